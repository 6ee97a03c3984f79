/* fuzz_pii_mail.c - libFuzzer target: arbitrary bytes scanned as "message.eml". */
#include "pii_fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pii_fuzz_scan("message.eml", data, size);
	return 0;
}
