/* fuzz_pii_csv.c - libFuzzer target: arbitrary bytes scanned as "table.csv". */
#include "pii_fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pii_fuzz_scan("table.csv", data, size);
	return 0;
}
