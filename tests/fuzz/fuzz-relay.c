/* SPDX-License-Identifier: MIT */
/* Fuzzes what kyoyu-relay reads before a session is joined, from both
 * sides it trusts least:
 * - byte 0 even: the links' requests (OFFER, CLAIM, REJOIN, PASS and the
 *   answers another node sends), the rest of the input cut into the
 *   relay's 64-byte messages, each decoded as the relay decodes it; a
 *   message that decodes must encode to the same message again.
 * - byte 0 odd: Redis's answers.  The relay's own store (relay/store.c,
 *   relay/redis-link.c and hiredis' parser) talks to a fake Redis on a
 *   loopback port that answers each command with the next piece of the
 *   input, whatever it asked: wrong types, errors, MOVED and ASK to any
 *   address, garbage, a closed connection.  The input is a list of
 *   operations: a byte choosing a store call (a code issued, counted or
 *   claimed, a ticket stored, refreshed or presented...) and, for each,
 *   the answer (a 16-bit length, then its bytes).  Besides the sanitizers
 *   it aborts when a promise of store.h breaks: every call is answered
 *   exactly once, a won or dead code names an owner, a re-join that joins
 *   names the link that waits; owners go through relay_owner_parse and
 *   their node's address through relay_nodes_split, as the relay's
 *   callbacks take them.
 *
 * Built as a libFuzzer target with --enable-fuzzing (clang), and as
 * fuzz-relay-replay (with replay-main.c) for `make check`, which runs the
 * seeds in tests/fuzz/corpus-relay. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define KYOYU_LOG_COMPONENT "fuzz"
#include <kyoyu/host.h>
#include <kyoyu/kyoyu.h>

#include "proto/relay-wire.h"
#include "relay/nodes.h"
#include "relay/store.h"

#define MAX_CONNS 8
/* Turns of the harness's loop for one input: each answer needs a few. */
#define MAX_TURNS 2000

typedef struct fake_redis {
	int listen_fd;
	int port;
	int conns[MAX_CONNS];
	size_t n_conns;
	const uint8_t *data; /* what is left of the input */
	size_t size;
} fake_redis;

static fake_redis redis = {.listen_fd = -1};
static unsigned asked, answered;

static void fail(const char *what)
{
	fprintf(stderr, "fuzz-relay: %s\n", what);
	abort();
}

static void fake_listen(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);

	redis.listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (redis.listen_fd < 0 || bind(redis.listen_fd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(redis.listen_fd, 64) ||
	    getsockname(redis.listen_fd, (struct sockaddr *)&a, &len))
		fail("cannot listen on loopback");
	redis.port = ntohs(a.sin_port);
}

static void close_conns(void)
{
	for (size_t i = 0; i < redis.n_conns; i++)
		close(redis.conns[i]);
	redis.n_conns = 0;
}

/* The next answer: a 16-bit length and that many bytes (what is left
 * when fewer).  False when the input is over. */
static bool next_answer(const uint8_t **answer, size_t *len)
{
	if (redis.size < 2)
		return false;
	size_t want = (size_t)redis.data[0] << 8 | redis.data[1];
	redis.data += 2;
	redis.size -= 2;
	*len = want < redis.size ? want : redis.size;
	*answer = redis.data;
	redis.data += *len;
	redis.size -= *len;
	return true;
}

/* How many commands BUF holds (the relay sends EVAL, and ASKING before a
 * call an ASK redirected); a command cut in two counts once. */
static size_t commands_in(const uint8_t *buf, size_t n)
{
	static const char *const names[] = {"$4\r\nEVAL\r\n", "$6\r\nASKING\r\n"};
	size_t count = 0;

	for (size_t k = 0; k < 2; k++) {
		size_t len = strlen(names[k]);
		for (size_t i = 0; i + len <= n; i++)
			if (memcmp(buf + i, names[k], len) == 0)
				count++;
	}
	return count ? count : 1;
}

/* Commands came in on connection I: each gets the next answer, or, the
 * input over (or an empty answer), the connection closes, so every call
 * still waiting fails at once, not after the relay's timeout. */
static void serve(size_t i)
{
	uint8_t buf[4096];
	const uint8_t *answer;
	size_t len;
	ssize_t n = read(redis.conns[i], buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	for (size_t k = n > 0 ? commands_in(buf, (size_t)n) : 0; k > 0; k--) {
		if (!next_answer(&answer, &len) || len == 0)
			break;
		if (send(redis.conns[i], answer, len, MSG_NOSIGNAL) < 0)
			break;
		if (k == 1)
			return;
	}
	close(redis.conns[i]);
	redis.conns[i] = redis.conns[--redis.n_conns];
}

static void check_owner(const char *owner)
{
	uint64_t link;
	char node[RELAY_NODE_ADDR_SIZE], host[RELAY_NODE_ADDR_SIZE], port[8];

	if (!owner)
		fail("a won or dead code, or a re-join, without the owner store.h promises");
	/* The node's address is split next, as passing.c does to reach it. */
	if (relay_owner_parse(owner, &link, node))
		relay_nodes_split(node, host, port);
}

static void on_issued(void *ctx, int ret, const char digits[KP_WIRE_CODE_DIGITS])
{
	answered++;
	if (ret == 0) {
		for (int i = 0; i < KP_WIRE_CODE_DIGITS; i++)
			if (digits[i] < '0' || digits[i] > '9')
				fail("an issued code that is not digits");
	}
}

static void on_counted(void *ctx, int ret)
{
	answered++;
}

static void on_claimed(void *ctx, int ret, const char *owner)
{
	answered++;
	if (ret == RELAY_CLAIM_WON || ret == RELAY_CLAIM_DEAD)
		check_owner(owner);
	else if (ret != RELAY_CLAIM_BAD && ret != -EIO)
		fail("a claim answered with no relay_claim");
}

static void on_stored(void *ctx, bool stored)
{
	answered++;
}

static void on_rejoined(void *ctx, int ret, int grace_s, int ttl_s, const char *other)
{
	answered++;
	if (ret == RELAY_REJOIN_JOIN)
		check_owner(other);
	else if (ret != RELAY_REJOIN_UNKNOWN && ret != RELAY_REJOIN_WAIT && ret != -EIO)
		fail("a re-join answered with no relay_rejoin");
}

/* One store call, chosen by OP; a call refused at once counts as
 * answered only when store.h says its callback runs. */
static void call_store(relay_store *store, uint8_t op)
{
	static const char owner[] = "12345 127.0.0.1:4433";
	static const char digits[KP_WIRE_CODE_DIGITS] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
	uint8_t ticket[KP_RELAY_TICKET_SIZE] = {op};
	char key[RELAY_TICKET_KEY_SIZE];

	switch (op % 8) {
	case 0:
		asked++;
		relay_store_issue(store, owner, 600, on_issued, NULL);
		break;
	case 1:
		asked++;
		relay_store_attempt(store, op / 8 % 2 ? RELAY_BUDGET_TICKETS : RELAY_BUDGET_CODES,
				    "192.0.2.7", 10, on_counted, NULL);
		break;
	case 2:
		asked++;
		relay_store_claim(store, digits, on_claimed, NULL);
		break;
	case 3:
		if (relay_store_ticket_issue(store, 30, 37, ticket, key, on_stored, NULL) == 0)
			asked++;
		break;
	case 4:
		asked++;
		relay_store_rejoin(store, ticket, 1 + op / 8 % 2, owner, on_rejoined, NULL);
		break;
	case 5:
		relay_store_ticket_key(store, ticket, key);
		relay_store_ticket_refresh(store, key, 37);
		break;
	case 6:
		relay_store_retire(store, digits, owner);
		break;
	case 7:
		relay_store_ticket_key(store, ticket, key);
		relay_store_rejoin_leave(store, key, owner);
		break;
	}
}

/* One turn of the relay's loop and of the fake Redis.  False when both
 * are idle. */
static bool turn(relay_store *store)
{
	struct pollfd pfds[1 + MAX_CONNS + RELAY_STORE_FDS];
	int timeout = -1;
	size_t n = 0;

	pfds[n++] = (struct pollfd){redis.listen_fd, POLLIN, 0};
	for (size_t i = 0; i < redis.n_conns; i++)
		pfds[n++] = (struct pollfd){redis.conns[i], POLLIN, 0};
	size_t n_store = relay_store_poll(store, pfds + n, RELAY_STORE_FDS, &timeout);
	if (asked == answered)
		return false;
	/* A call waiting longer than the relay's timeout is a hang: libFuzzer
	 * reports it. */
	if (poll(pfds, n + n_store, timeout < 0 || timeout > 1000 ? 1000 : timeout) < 0)
		return false;
	if (pfds[0].revents) {
		int fd = accept4(redis.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0 && redis.n_conns < MAX_CONNS)
			redis.conns[redis.n_conns++] = fd;
		else if (fd >= 0)
			close(fd);
	}
	for (size_t i = n - 1; i >= 1; i--)
		if (pfds[i].revents && i - 1 < redis.n_conns)
			serve(i - 1);
	relay_store_handle(store, pfds + n, n_store);
	return true;
}

static void fuzz_redis(const uint8_t *data, size_t size)
{
	static const uint8_t secret[RELAY_SECRET_SIZE] = {1};
	char url[64];
	const char *urls[] = {url};

	if (redis.listen_fd < 0)
		fake_listen();
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", redis.port);
	relay_store *store = relay_store_new(urls, 1, secret);
	if (!store)
		fail("no store");
	asked = answered = 0;
	/* The operations first, so that they share connections and answers
	 * as a loaded relay's calls do; then the answers. */
	size_t n_ops = size ? data[0] % 16 + 1 : 0;
	for (size_t i = 1; i <= n_ops && i < size; i++)
		call_store(store, data[i]);
	redis.data = data + 1 + n_ops;
	redis.size = size > 1 + n_ops ? size - 1 - n_ops : 0;
	for (int i = 0; i < MAX_TURNS && turn(store); i++)
		;
	close_conns();
	/* What is still in flight fails now, with its connection. */
	for (int i = 0; i < MAX_TURNS && turn(store); i++)
		;
	if (answered != asked)
		fail("a store call was never answered");
	relay_store_free(store);
	if (answered != asked)
		fail("a store call was answered twice");
}

static void fuzz_requests(const uint8_t *data, size_t size)
{
	for (; size >= KP_RELAY_MSG_SIZE; data += KP_RELAY_MSG_SIZE, size -= KP_RELAY_MSG_SIZE) {
		kp_relay_msg m, again;
		uint8_t out[KP_RELAY_MSG_SIZE];
		if (!kp_relay_decode(data, &m))
			continue;
		kp_relay_encode(&m, out);
		if (!kp_relay_decode(out, &again) || memcmp(&m, &again, sizeof(m)) != 0)
			fail("a message the relay took does not encode to itself");
		if (m.type == KP_RELAY_PASS || m.type == KP_RELAY_JOINED) {
			uint64_t link;
			char node[RELAY_NODE_ADDR_SIZE];
			relay_owner_parse(m.addr, &link, node);
		}
		kp_relay_reason_text(m.reason);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	/* Every failure is logged by design; the fuzzer needs speed. */
	kyoyu_log_set_level(getenv("KT_FUZZ_VERBOSE") ? KYOYU_LOG_DEBUG : KYOYU_LOG_ERROR - 1);
	if (data[0] & 1)
		fuzz_redis(data + 1, size - 1);
	else
		fuzz_requests(data + 1, size - 1);
	return 0;
}
