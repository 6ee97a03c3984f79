/* fuzz_pii_text.c - libFuzzer target: arbitrary bytes scanned as "note.txt". */
#include "pii_fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pii_fuzz_scan("note.txt", data, size);
	return 0;
}
