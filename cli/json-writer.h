/* A small streaming JSON writer for offlinemgrctl's --json output.
 *
 * Values are written as they come, with the commas and (when pretty) the indentation
 * JSON needs. Strings are escaped; bytes that are not UTF-8 become U+FFFD, so the output
 * is always valid JSON. Every function with a key takes NULL inside arrays and at the
 * top level. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 8

typedef struct {
  FILE *out;
  bool pretty;                           /* newlines and two-space indentation */
  int depth;
  bool has_items[JSON_MAX_DEPTH + 1];    /* the container at each depth has a member */
} JsonWriter;

void json_writer_init(JsonWriter *w, FILE *out, bool pretty);

void json_begin_object(JsonWriter *w, const char *key);
void json_end_object(JsonWriter *w);
void json_begin_array(JsonWriter *w, const char *key);
void json_end_array(JsonWriter *w);

/* value NULL writes null. */
void json_string(JsonWriter *w, const char *key, const char *value);
void json_uint(JsonWriter *w, const char *key, uint64_t value);
void json_bool(JsonWriter *w, const char *key, bool value);
void json_null(JsonWriter *w, const char *key);

/* Ends the top-level value with a newline. */
void json_finish(JsonWriter *w);

/* Writes @s as a JSON string literal, quotes included. */
void json_write_escaped(FILE *out, const char *s);
