/* SPDX-License-Identifier: MIT */
/*
 * A small streaming JSON writer for the tools' --json output: correct
 * escaping, commas and indentation; no allocation.
 * Pass key NULL for values inside arrays (and for the top-level value).
 */
#ifndef IU_JSON_H
#define IU_JSON_H

#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>

#define IU_JSON_MAX_DEPTH 32

struct iu_json {
	FILE *f;
	int depth;
	bool need_comma[IU_JSON_MAX_DEPTH];
};

void iu_json_init(struct iu_json *j, FILE *f);
void iu_json_obj_begin(struct iu_json *j, const char *key);
void iu_json_obj_end(struct iu_json *j);
void iu_json_arr_begin(struct iu_json *j, const char *key);
void iu_json_arr_end(struct iu_json *j);
void iu_json_str(struct iu_json *j, const char *key, const char *val);	/* NULL -> null */
void iu_json_u64(struct iu_json *j, const char *key, uint64_t val);
void iu_json_i64(struct iu_json *j, const char *key, int64_t val);
void iu_json_double(struct iu_json *j, const char *key, double val);
void iu_json_bool(struct iu_json *j, const char *key, bool val);
void iu_json_null(struct iu_json *j, const char *key);
/* Finish the document with a newline. */
void iu_json_end(struct iu_json *j);

#endif
