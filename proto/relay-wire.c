/* SPDX-License-Identifier: MIT */
/* The relay's fixed-size messages. */
#include "config.h"

#include <string.h>

#include "plugins/common/i18n.h"
#include "relay-wire.h"

static const uint8_t magic[4] = {'K', 'Y', 'R', '1'};

/* Layout: magic, type, reason, retry_s (big-endian), 9 digits (PASS: the
 * link, 8 bytes big-endian), address length and address; the rest zero.
 * TICKET and REJOIN: the ticket's 32 bytes where the digits begin. */
#define AT_DIGITS 8
#define AT_ADDR_LEN (AT_DIGITS + KP_WIRE_CODE_DIGITS)
#define AT_ADDR (AT_ADDR_LEN + 1)

void kp_relay_encode(const kp_relay_msg *m, uint8_t out[KP_RELAY_MSG_SIZE])
{
	size_t alen = strnlen(m->addr, KP_RELAY_ADDR_MAX);

	memset(out, 0, KP_RELAY_MSG_SIZE);
	memcpy(out, magic, sizeof(magic));
	out[4] = m->type;
	out[5] = m->reason;
	out[6] = (uint8_t)(m->retry_s >> 8);
	out[7] = (uint8_t)m->retry_s;
	if (m->type == KP_RELAY_CLAIM || m->type == KP_RELAY_CODE)
		memcpy(out + AT_DIGITS, m->digits, KP_WIRE_CODE_DIGITS);
	for (int i = 0; m->type == KP_RELAY_PASS && i < 8; i++)
		out[AT_DIGITS + i] = (uint8_t)(m->link >> (56 - 8 * i));
	if (m->type == KP_RELAY_TICKET || m->type == KP_RELAY_REJOIN) {
		memcpy(out + AT_DIGITS, m->ticket, KP_RELAY_TICKET_SIZE);
		return;
	}
	out[AT_ADDR_LEN] = (uint8_t)alen;
	memcpy(out + AT_ADDR, m->addr, alen);
}

bool kp_relay_decode(const uint8_t in[KP_RELAY_MSG_SIZE], kp_relay_msg *m)
{
	memset(m, 0, sizeof(*m));
	if (memcmp(in, magic, sizeof(magic)) != 0 || in[4] < KP_RELAY_OFFER ||
	    in[4] > KP_RELAY_REJOIN)
		return false;
	m->type = in[4];
	m->reason = in[5];
	m->retry_s = (uint16_t)(in[6] << 8 | in[7]);
	if (m->type == KP_RELAY_CLAIM || m->type == KP_RELAY_CODE) {
		for (size_t i = 0; i < KP_WIRE_CODE_DIGITS; i++)
			if (in[AT_DIGITS + i] < '0' || in[AT_DIGITS + i] > '9')
				return false;
		memcpy(m->digits, in + AT_DIGITS, KP_WIRE_CODE_DIGITS);
	}
	for (int i = 0; m->type == KP_RELAY_PASS && i < 8; i++)
		m->link = m->link << 8 | in[AT_DIGITS + i];
	if (m->type == KP_RELAY_TICKET || m->type == KP_RELAY_REJOIN) {
		memcpy(m->ticket, in + AT_DIGITS, KP_RELAY_TICKET_SIZE);
		return true;
	}
	size_t alen = in[AT_ADDR_LEN];
	if (alen > KP_RELAY_ADDR_MAX)
		return false;
	for (size_t i = 0; i < alen; i++)
		if (in[AT_ADDR + i] < 0x21 || in[AT_ADDR + i] > 0x7e)
			return false;
	memcpy(m->addr, in + AT_ADDR, alen);
	return true;
}

/* In the words the operator's window shows, marked for po/ (it translates
 * them). */
const char *kp_relay_reason_text(uint8_t reason)
{
	switch (reason) {
	case KP_RELAY_BAD_CODE:
		return N_("the code was not accepted");
	case KP_RELAY_RATE_LIMITED:
		return N_("too many attempts from this address");
	case KP_RELAY_UNAVAILABLE:
		return N_("the relay cannot reach its code store (Redis) right now");
	case KP_RELAY_NOT_OPERATOR:
		return N_("the relay did not accept this operator certificate (is it signed "
			  "by the desk's CA, relay.ca, and not revoked?)");
	case KP_RELAY_FULL:
		return N_("the relay has no free room for another code; try again in a "
			  "minute");
	case KP_RELAY_ATTACKED:
		return N_("the code met too many wrong attempts and no longer works; ask "
			  "for a new one");
	case KP_RELAY_NO_SESSION:
		return N_("the relay knows no session to go back to (its grace passed, or "
			  "it was already taken up)");
	default:
		return N_("the relay refused for an unknown reason");
	}
}
