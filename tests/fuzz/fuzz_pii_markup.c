/* fuzz_pii_markup.c - libFuzzer target: arbitrary bytes scanned as "page.html". */
#include "pii_fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pii_fuzz_scan("page.html", data, size);
	return 0;
}
