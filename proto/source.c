/* SPDX-License-Identifier: MIT */
/* Where a connection comes from: its address and its /24 or /64. */
#include "config.h"

#include <string.h>

#include "net.h"
#include "source.h"

static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

void kp_source_parse(const char *text, kp_source *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, text, out->address + 12) == 1) {
		memcpy(out->address, v4_mapped, sizeof(v4_mapped));
	} else if (inet_pton(AF_INET6, text, out->address) != 1) {
		memset(out->address, 0, sizeof(out->address));
		return;
	}
	bool v4 = memcmp(out->address, v4_mapped, sizeof(v4_mapped)) == 0;
	/* /24 of IPv4 (12 bytes of prefix and 3 of address), /64 of IPv6. */
	memcpy(out->network, out->address, v4 ? 15 : 8);
}

bool kp_source_same_address(const kp_source *a, const kp_source *b)
{
	return memcmp(a->address, b->address, sizeof(a->address)) == 0;
}

bool kp_source_same_network(const kp_source *a, const kp_source *b)
{
	return memcmp(a->network, b->network, sizeof(a->network)) == 0;
}
