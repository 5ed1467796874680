/* SPDX-License-Identifier: MIT */
/* JSON output helpers. */
#ifndef BARBENCH_JSON_H
#define BARBENCH_JSON_H

#include <stdio.h>

/*
 * Write @s as a JSON string with its quotes: quotes, backslashes and control
 * characters escaped, invalid UTF-8 bytes as \ufffd; NULL as null.
 */
void bb_json_string(FILE *f, const char *s);

#endif
