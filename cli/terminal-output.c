#include "terminal-output.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#define GREEN "\033[32m"
#define RED "\033[31m"
#define RESET "\033[0m"

void
output_mode_detect(OutputMode *mode)
{
  const char *no_color = getenv("NO_COLOR");
  const char *term = getenv("TERM");

  mode->tty = isatty(STDOUT_FILENO) == 1;
  mode->colour = mode->tty && (no_color == NULL || *no_color == '\0') &&
                 (term == NULL || strcmp(term, "dumb") != 0);
}

const char *
output_colour_start(const OutputMode *mode, const char *state_name)
{
  if (!mode->colour || state_name == NULL)
    return "";
  if (strcmp(state_name, "ONLINE") == 0)
    return GREEN;
  if (strcmp(state_name, "OFFLINE") == 0)
    return RED;
  return "";
}

const char *
output_colour_end(const OutputMode *mode, const char *state_name)
{
  return *output_colour_start(mode, state_name) ? RESET : "";
}

size_t
output_display_width(const char *s)
{
  mbstate_t state;
  size_t width = 0, n = strlen(s);

  memset(&state, 0, sizeof(state));
  while (n > 0) {
    wchar_t wc;
    size_t len = mbrtowc(&wc, s, n, &state);
    int w;

    if (len == (size_t)-1 || len == (size_t)-2 || len == 0) {
      /* Not a character in this locale: one cell, as terminals show a replacement. */
      memset(&state, 0, sizeof(state));
      len = 1;
      w = 1;
    } else {
      w = wcwidth(wc);
      if (w < 0)
        w = 1;
    }
    width += (size_t)w;
    s += len, n -= len;
  }
  return width;
}

struct OutputTable {
  size_t n_columns;
  int state_column;
  size_t n_rows;
  size_t allocated;
  char **cells;  /* n_rows × n_columns */
};

OutputTable *
output_table_new(size_t n_columns, int state_column)
{
  OutputTable *table = calloc(1, sizeof(*table));

  if (table == NULL)
    abort();
  table->n_columns = n_columns;
  table->state_column = state_column;
  return table;
}

void
output_table_add_row(OutputTable *table, const char *const *cells)
{
  if (table->n_rows == table->allocated) {
    table->allocated = table->allocated ? table->allocated * 2 : 16;
    table->cells = reallocarray(table->cells, table->allocated * table->n_columns,
                                sizeof(char *));
    if (table->cells == NULL)
      abort();
  }
  for (size_t c = 0; c < table->n_columns; c++) {
    char *copy = strdup(cells[c] ? cells[c] : "");
    if (copy == NULL)
      abort();
    table->cells[table->n_rows * table->n_columns + c] = copy;
  }
  table->n_rows++;
}

void
output_table_print(OutputTable *table, FILE *out, const OutputMode *mode)
{
  size_t *widths = calloc(table->n_columns, sizeof(size_t));

  if (widths == NULL)
    abort();
  for (size_t r = 0; r < table->n_rows; r++)
    for (size_t c = 0; c < table->n_columns; c++) {
      size_t w = output_display_width(table->cells[r * table->n_columns + c]);
      if (w > widths[c])
        widths[c] = w;
    }
  for (size_t r = 0; r < table->n_rows; r++) {
    for (size_t c = 0; c < table->n_columns; c++) {
      const char *cell = table->cells[r * table->n_columns + c];
      bool last = c + 1 == table->n_columns;
      const char *state = r > 0 && (int)c == table->state_column ? cell : NULL;

      fprintf(out, "%s%s%s", output_colour_start(mode, state), cell,
              output_colour_end(mode, state));
      if (!last)
        for (size_t pad = output_display_width(cell); pad < widths[c] + 2; pad++)
          fputc(' ', out);
    }
    fputc('\n', out);
  }
  free(widths);
}

void
output_table_free(OutputTable *table)
{
  if (table == NULL)
    return;
  for (size_t i = 0; i < table->n_rows * table->n_columns; i++)
    free(table->cells[i]);
  free(table->cells);
  free(table);
}

void
output_timestamp(char *buf, size_t size)
{
  struct timespec ts;
  struct tm tm;
  char date[32], zone[16];
  int offset;

  clock_gettime(CLOCK_REALTIME, &ts);
  localtime_r(&ts.tv_sec, &tm);
  strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
  /* UTC offsets are within ±26 hours. */
  offset = (int)(tm.tm_gmtoff / 60) % (100 * 60);
  snprintf(zone, sizeof(zone), "%c%02d:%02d", offset < 0 ? '-' : '+', abs(offset) / 60,
           abs(offset) % 60);
  snprintf(buf, size, "%s.%03ld%s", date, ts.tv_nsec / 1000000, zone);
}
