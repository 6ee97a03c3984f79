/* fuzz_pii_pdf.c - libFuzzer target: arbitrary bytes scanned as "file.pdf". */
#include "pii_fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pii_fuzz_scan("file.pdf", data, size);
	return 0;
}
