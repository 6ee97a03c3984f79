/* hex.h - lowercase hexadecimal encoding. */
#ifndef RP_HEX_H
#define RP_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Writes 2*n hex digits and a NUL to out (which holds 2*n+1 bytes). */
void rp_hex_encode(char *out, const uint8_t *in, size_t n);
/* Decodes exactly 2*n hex digits from in; 0 or -1 on a bad digit or length. */
int rp_hex_decode(uint8_t *out, size_t n, const char *in, size_t in_len);
/* 1 if s is non-empty and only hex digits. */
int rp_hex_is(const char *s, size_t len);

#endif
