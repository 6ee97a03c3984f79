/* fuzz_pii_office.c - libFuzzer target: arbitrary bytes scanned as "doc.docx". */
#include "pii_fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pii_fuzz_scan("doc.docx", data, size);
	return 0;
}
