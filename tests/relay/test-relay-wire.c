/* SPDX-License-Identifier: MIT */
/* The relay's fixed-size messages: every type round trips, and whatever
 * the 64 bytes hold, the decoder says yes only to a known type with
 * digits where it has them and a bounded, printable address. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proto/relay-wire.h"

static void round_trips(void **state)
{
	uint8_t buf[KP_RELAY_MSG_SIZE];
	kp_relay_msg in = {.type = KP_RELAY_CLAIM}, out;

	memcpy(in.digits, "012345678", KP_WIRE_CODE_DIGITS);
	kp_relay_encode(&in, buf);
	assert_true(kp_relay_decode(buf, &out));
	assert_int_equal(out.type, KP_RELAY_CLAIM);
	assert_memory_equal(out.digits, "012345678", KP_WIRE_CODE_DIGITS);

	in = (kp_relay_msg){.type = KP_RELAY_REFUSED, .reason = KP_RELAY_RATE_LIMITED,
			    .retry_s = 65535};
	kp_relay_encode(&in, buf);
	assert_true(kp_relay_decode(buf, &out));
	assert_int_equal(out.reason, KP_RELAY_RATE_LIMITED);
	assert_int_equal(out.retry_s, 65535);

	/* The longest address there is, an IPv6 with an IPv4 tail. */
	in = (kp_relay_msg){.type = KP_RELAY_JOINED};
	snprintf(in.addr, sizeof(in.addr), "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255");
	kp_relay_encode(&in, buf);
	assert_true(kp_relay_decode(buf, &out));
	assert_string_equal(out.addr, in.addr);
	assert_int_equal(out.digits[0], 0); /* JOINED carries no digits */

	/* Node to node: the parked link's number, every bit of it. */
	in = (kp_relay_msg){.type = KP_RELAY_PASS, .link = 0xfedcba9876543210ull};
	snprintf(in.addr, sizeof(in.addr), "192.0.2.7");
	kp_relay_encode(&in, buf);
	assert_true(kp_relay_decode(buf, &out));
	assert_true(out.link == 0xfedcba9876543210ull);
	assert_string_equal(out.addr, "192.0.2.7");

	/* A re-join ticket: any 32 bytes, the address's place included. */
	for (int type = KP_RELAY_TICKET; type <= KP_RELAY_REJOIN; type++) {
		in = (kp_relay_msg){.type = (uint8_t)type, .reason = KP_RELAY_SIDE_VIEWER};
		for (int i = 0; i < KP_RELAY_TICKET_SIZE; i++)
			in.ticket[i] = (uint8_t)(0xff - 7 * i);
		kp_relay_encode(&in, buf);
		assert_true(kp_relay_decode(buf, &out));
		assert_int_equal(out.type, type);
		assert_int_equal(out.reason, KP_RELAY_SIDE_VIEWER);
		assert_memory_equal(out.ticket, in.ticket, KP_RELAY_TICKET_SIZE);
	}
}

static void refuses_what_is_not_a_message(void **state)
{
	uint8_t buf[KP_RELAY_MSG_SIZE], bad[KP_RELAY_MSG_SIZE];
	kp_relay_msg in = {.type = KP_RELAY_CODE}, out;

	memcpy(in.digits, "999999999", KP_WIRE_CODE_DIGITS);
	kp_relay_encode(&in, buf);

	memcpy(bad, buf, sizeof(bad));
	bad[0] = 'X'; /* magic */
	assert_false(kp_relay_decode(bad, &out));
	for (int type = 0; type < 256; type++) {
		memcpy(bad, buf, sizeof(bad));
		bad[4] = (uint8_t)type;
		bool known = type >= KP_RELAY_OFFER && type <= KP_RELAY_REJOIN;
		/* OFFER, JOINED and REFUSED ignore the digit field, PASS reads
		 * a number there, TICKET and REJOIN a ticket. */
		assert_int_equal(kp_relay_decode(bad, &out), known);
	}
	memcpy(bad, buf, sizeof(bad));
	bad[8 + 4] = 'a'; /* a digit that is not one */
	assert_false(kp_relay_decode(bad, &out));

	/* Address length: the bound, one past it, and the largest byte. */
	memcpy(bad, buf, sizeof(bad));
	bad[17] = KP_RELAY_ADDR_MAX;
	memset(bad + 18, '1', KP_RELAY_ADDR_MAX);
	assert_true(kp_relay_decode(bad, &out));
	assert_int_equal(strlen(out.addr), KP_RELAY_ADDR_MAX);
	bad[17] = KP_RELAY_ADDR_MAX + 1;
	assert_false(kp_relay_decode(bad, &out));
	bad[17] = 255;
	assert_false(kp_relay_decode(bad, &out));
	/* A control character or a space in the address. */
	bad[17] = 3;
	memcpy(bad + 18, "1\n1", 3);
	assert_false(kp_relay_decode(bad, &out));
	memcpy(bad + 18, "1 1", 3);
	assert_false(kp_relay_decode(bad, &out));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trips),
		cmocka_unit_test(refuses_what_is_not_a_message),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
