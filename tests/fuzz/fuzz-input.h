/* Structured input for the fuzzers: the fuzz data read as a stream of choices. Reads
 * past the end give zeros and empty strings, so every input decodes to something. */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct {
  const uint8_t *data;
  size_t size;
} FuzzInput;

static inline uint8_t
fuzz_byte(FuzzInput *in)
{
  uint8_t b;

  if (in->size == 0)
    return 0;
  b = in->data[0];
  in->data++;
  in->size--;
  return b;
}

static inline uint32_t
fuzz_u32(FuzzInput *in)
{
  uint32_t v = 0;

  for (int i = 0; i < 4; i++)
    v = (v << 8) | fuzz_byte(in);
  return v;
}

/* A string prefixed by its length: one byte, and when that is 255 a second one that adds
 * four times its value (up to 1275 bytes, past every limit the daemon sets). May hold
 * any byte but NUL (which ends it early, as a C string would). Owned by the caller. */
static inline char *
fuzz_string(FuzzInput *in)
{
  size_t len = fuzz_byte(in);

  if (len == 0xff)
    len += (size_t)fuzz_byte(in) * 4;

  if (len > in->size)
    len = in->size;
  char *s = g_strndup((const char *)in->data, len);
  in->data += len;
  in->size -= len;
  return s;
}

/* Silences GLib's log output (unknown keys and the like are logged by the code under
 * test), so that the fuzzer's own output stays readable and fast. */
static GLogWriterOutput
fuzz_log_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields,
                gpointer user_data)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    return g_log_writer_standard_streams(level, fields, n_fields, user_data);
  return G_LOG_WRITER_HANDLED;
}

static inline void
fuzz_quiet_logs(void)
{
  static gboolean done;

  if (!done) {
    g_log_set_writer_func(fuzz_log_writer, NULL, NULL);
    /* A critical is a bug in the code under test: make it a crash libFuzzer reports. */
    g_log_set_always_fatal(G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL);
    done = TRUE;
  }
}
