/*
 * Decimal numbers as people type them in configuration files, profiles
 * and on command lines: digits only (no sign, no blanks, no "0x"), within
 * bounds.  One reader for all of them, so "22", " 22" and "+22" mean the
 * same thing, or nothing, everywhere.
 */
#ifndef SPA_DECIMAL_H
#define SPA_DECIMAL_H

#include <stdint.h>

/* text as a number from min to max.  0, or SPA_ERR_INVALID (and *out
 * untouched) for anything else: empty, a non-digit, out of bounds. */
int decimal_parse(const char *text, unsigned long min, unsigned long max,
    unsigned long *out);

/* A TCP or UDP port: 1 to 65535.  0 or SPA_ERR_INVALID. */
int decimal_port(const char *text, uint16_t *port);

#endif
