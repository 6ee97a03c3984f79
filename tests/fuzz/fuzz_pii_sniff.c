/* fuzz_pii_sniff.c - libFuzzer target: arbitrary bytes scanned as "unknown". */
#include "pii_fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pii_fuzz_scan("unknown", data, size);
	return 0;
}
