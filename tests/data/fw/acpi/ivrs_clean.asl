/*
 * IVRS without mistakes: the IOMMU at 00:00.2 translates 00:01.0 to ff:1f.6
 * (as AMD firmware usually lists it: not the root complex 00:00.0); 02:08.0
 * issues DMA as 02:00.0 (alias entry).
 * Compiled by iasl (Debian acpica-tools) at build time.
 */
[0004]                          Signature : "IVRS"
[0004]                       Table Length : 00000000
[0001]                           Revision : 02
[0001]                           Checksum : 00
[0006]                             Oem ID : "LIBIOM"
[0008]                       Oem Table ID : "CHECKS  "
[0004]                       Oem Revision : 00000001
[0004]                    Asl Compiler ID : "INTL"
[0004]              Asl Compiler Revision : 20200925

[0004]                Virtualization Info : 00203041
[0008]                           Reserved : 0000000000000000

/* The IOMMU is PCI function 00:00.2 */
[0001]                      Subtable Type : 10 [Hardware Definition Block]
[0001]                              Flags : B0
[0002]                             Length : 0000
[0002]                           DeviceId : 0002

[0002]                  Capability Offset : 0040
[0008]                       Base Address : 00000000FD200000
[0002]                  PCI Segment Group : 0000
[0002]                Virtualization Info : 0000
[0004]                  Feature Reporting : 80048F6E

/* range start 00:01.0 */
[0001]                         Entry Type : 03
[0002]                          Device ID : 0008
[0001]                       Data Setting : 00

/* range end ff:1f.6 */
[0001]                         Entry Type : 04
[0002]                          Device ID : FFFE
[0001]                       Data Setting : 00

/* alias: 02:08.0 uses requester ID 02:00.0 */
[0001]                         Entry Type : 42
[0002]                          Device ID : 0240
[0001]                       Data Setting : 00
[0001]                           Reserved : 00
[0002]              Source Used Device ID : 0200
[0001]                           Reserved : 00
