// SPDX-License-Identifier: MIT
#include <math.h>
#include "json.h"

void iu_json_init(struct iu_json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->need_comma[0] = false;
}

static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

static void prefix(struct iu_json *j, const char *key)
{
	if (j->need_comma[j->depth])
		fputc(',', j->f);
	if (j->depth) {
		fputc('\n', j->f);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->f);
	}
	j->need_comma[j->depth] = true;
	if (key) {
		put_string(j->f, key);
		fputs(": ", j->f);
	}
}

static void json_open(struct iu_json *j, const char *key, char c)
{
	prefix(j, key);
	fputc(c, j->f);
	if (j->depth < IU_JSON_MAX_DEPTH - 1)
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void json_close(struct iu_json *j, char c)
{
	bool had = j->need_comma[j->depth];

	if (j->depth)
		j->depth--;
	if (had) {
		fputc('\n', j->f);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->f);
	}
	fputc(c, j->f);
}

void iu_json_obj_begin(struct iu_json *j, const char *key) { json_open(j, key, '{'); }
void iu_json_obj_end(struct iu_json *j) { json_close(j, '}'); }
void iu_json_arr_begin(struct iu_json *j, const char *key) { json_open(j, key, '['); }
void iu_json_arr_end(struct iu_json *j) { json_close(j, ']'); }

void iu_json_str(struct iu_json *j, const char *key, const char *val)
{
	prefix(j, key);
	if (val)
		put_string(j->f, val);
	else
		fputs("null", j->f);
}

void iu_json_u64(struct iu_json *j, const char *key, uint64_t val)
{
	prefix(j, key);
	fprintf(j->f, "%llu", (unsigned long long)val);
}

void iu_json_i64(struct iu_json *j, const char *key, int64_t val)
{
	prefix(j, key);
	fprintf(j->f, "%lld", (long long)val);
}

void iu_json_double(struct iu_json *j, const char *key, double val)
{
	prefix(j, key);
	if (isfinite(val))
		fprintf(j->f, "%.6g", val);
	else
		fputs("null", j->f);
}

void iu_json_bool(struct iu_json *j, const char *key, bool val)
{
	prefix(j, key);
	fputs(val ? "true" : "false", j->f);
}

void iu_json_null(struct iu_json *j, const char *key)
{
	prefix(j, key);
	fputs("null", j->f);
}

void iu_json_end(struct iu_json *j)
{
	fputc('\n', j->f);
}
