/*
 * IVRS_RANGE_REVERSED: the range starts at 03:00.0 and ends at 01:00.0.
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

/* range start 03:00.0 */
[0001]                         Entry Type : 03
[0002]                          Device ID : 0300
[0001]                       Data Setting : 00

/* range end 01:00.0 */
[0001]                         Entry Type : 04
[0002]                          Device ID : 0100
[0001]                       Data Setting : 00
