/* Lowercase hexadecimal, for vectors, logs and -v output. */
#ifndef SPA_HEX_H
#define SPA_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Decodes text (even length, digits of either case) into out.
 * Returns 0 and sets *outlen, or SPA_ERR_HEX / SPA_ERR_NOSPACE. */
int hex_decode(const char *text, uint8_t *out, size_t cap, size_t *outlen);
/* Writes 2*len digits and a NUL; out must hold 2*len+1 bytes. */
void hex_encode(const uint8_t *data, size_t len, char *out);

#endif
