/* The test drivers' command lines: words separated by spaces. */
#pragma once

/* The next word of *@rest, terminated in place, or NULL at the end; *@rest moves past it. */
static inline char *
next_word(char **rest)
{
  char *word;

  while (**rest == ' ')
    (*rest)++;
  if (**rest == '\0')
    return NULL;
  word = *rest;
  while (**rest != '\0' && **rest != ' ')
    (*rest)++;
  if (**rest == ' ')
    *(*rest)++ = '\0';
  return word;
}
