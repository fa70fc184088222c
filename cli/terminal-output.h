/* How offlinemgrctl writes for people and for scripts: whether stdout is a terminal,
 * whether to use colour, tables aligned by display width, and timestamps. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Decided once from stdout and the environment (NO_COLOR, TERM). */
typedef struct {
  bool tty;     /* stdout is a terminal: tables, headers, "Label: value" */
  bool colour;  /* a terminal, NO_COLOR unset or empty, TERM not "dumb" */
} OutputMode;

void output_mode_detect(OutputMode *mode);

/* The escape sequence that starts the colour of a state name ("ONLINE" green,
 * "OFFLINE" red), or "" when there is none or colour is off; output_colour_end()
 * resets it. */
const char *output_colour_start(const OutputMode *mode, const char *state_name);
const char *output_colour_end(const OutputMode *mode, const char *state_name);

/* Columns of terminal cells @s takes (UTF-8, wide characters count twice). */
size_t output_display_width(const char *s);

/* A table: rows of cells, printed with the columns aligned; the first row is the
 * header. The cells of @state_column (or none, when it is -1) are state names and are
 * coloured. The table owns copies of the cells. */
typedef struct OutputTable OutputTable;

OutputTable *output_table_new(size_t n_columns, int state_column);
void output_table_add_row(OutputTable *table, const char *const *cells);
void output_table_print(OutputTable *table, FILE *out, const OutputMode *mode);
void output_table_free(OutputTable *table);

/* The current local time as ISO 8601 with milliseconds and the UTC offset, e.g.
 * 2024-05-06T09:41:07.215+02:00, into @buf (at least 32 bytes). */
void output_timestamp(char *buf, size_t size);
