#include "json-writer.h"

#include <assert.h>
#include <string.h>

void
json_writer_init(JsonWriter *w, FILE *out, bool pretty)
{
  memset(w, 0, sizeof(*w));
  w->out = out;
  w->pretty = pretty;
}

/* The length of the valid UTF-8 sequence at @p (at most @n bytes), or 0. */
static size_t
utf8_sequence_length(const unsigned char *p, size_t n)
{
  size_t len;
  uint32_t cp;

  if (p[0] < 0x80)
    return 1;
  if (p[0] >= 0xc2 && p[0] <= 0xdf)
    len = 2, cp = p[0] & 0x1f;
  else if (p[0] >= 0xe0 && p[0] <= 0xef)
    len = 3, cp = p[0] & 0x0f;
  else if (p[0] >= 0xf0 && p[0] <= 0xf4)
    len = 4, cp = p[0] & 0x07;
  else
    return 0;
  if (n < len)
    return 0;
  for (size_t i = 1; i < len; i++) {
    if ((p[i] & 0xc0) != 0x80)
      return 0;
    cp = (cp << 6) | (p[i] & 0x3f);
  }
  /* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
      (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return len;
}

void
json_write_escaped(FILE *out, const char *s)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t n = strlen(s);

  fputc('"', out);
  while (n > 0) {
    size_t len = utf8_sequence_length(p, n);

    if (len == 0) {
      fputs("\\ufffd", out);
      p++, n--;
      continue;
    }
    if (len == 1) {
      switch (*p) {
      case '"': fputs("\\\"", out); break;
      case '\\': fputs("\\\\", out); break;
      case '\b': fputs("\\b", out); break;
      case '\f': fputs("\\f", out); break;
      case '\n': fputs("\\n", out); break;
      case '\r': fputs("\\r", out); break;
      case '\t': fputs("\\t", out); break;
      default:
        if (*p < 0x20)
          fprintf(out, "\\u%04x", *p);
        else
          fputc(*p, out);
      }
    } else {
      fwrite(p, 1, len, out);
    }
    p += len, n -= len;
  }
  fputc('"', out);
}

static void
newline_indent(JsonWriter *w)
{
  if (!w->pretty)
    return;
  fputc('\n', w->out);
  for (int i = 0; i < w->depth; i++)
    fputs("  ", w->out);
}

/* Everything that comes before a value: the comma, the indentation, the key. */
static void
begin_value(JsonWriter *w, const char *key)
{
  if (w->depth > 0) {
    if (w->has_items[w->depth])
      fputc(',', w->out);
    if (!w->pretty && w->has_items[w->depth])
      fputc(' ', w->out);
    newline_indent(w);
    w->has_items[w->depth] = true;
  }
  if (key != NULL) {
    json_write_escaped(w->out, key);
    fputs(": ", w->out);
  }
}

static void
begin_container(JsonWriter *w, const char *key, char open)
{
  begin_value(w, key);
  fputc(open, w->out);
  assert(w->depth < JSON_MAX_DEPTH);
  w->depth++;
  w->has_items[w->depth] = false;
}

static void
end_container(JsonWriter *w, char close)
{
  bool had_items = w->has_items[w->depth];

  if (w->depth > 0)
    w->depth--;
  if (had_items)
    newline_indent(w);
  fputc(close, w->out);
}

void
json_begin_object(JsonWriter *w, const char *key)
{
  begin_container(w, key, '{');
}

void
json_end_object(JsonWriter *w)
{
  end_container(w, '}');
}

void
json_begin_array(JsonWriter *w, const char *key)
{
  begin_container(w, key, '[');
}

void
json_end_array(JsonWriter *w)
{
  end_container(w, ']');
}

void
json_string(JsonWriter *w, const char *key, const char *value)
{
  begin_value(w, key);
  if (value != NULL)
    json_write_escaped(w->out, value);
  else
    fputs("null", w->out);
}

void
json_uint(JsonWriter *w, const char *key, uint64_t value)
{
  begin_value(w, key);
  fprintf(w->out, "%llu", (unsigned long long)value);
}

void
json_bool(JsonWriter *w, const char *key, bool value)
{
  begin_value(w, key);
  fputs(value ? "true" : "false", w->out);
}

void
json_null(JsonWriter *w, const char *key)
{
  begin_value(w, key);
  fputs("null", w->out);
}

void
json_finish(JsonWriter *w)
{
  fputc('\n', w->out);
}
