/* SPDX-License-Identifier: MIT */
/* Reaching another relay node. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#define KYOYU_LOG_COMPONENT "relay"
#include <kyoyu/kyoyu.h>

#include "nodes.h"

static bool is_wildcard(const char *listen)
{
	return !listen || !*listen || strcmp(listen, "0.0.0.0") == 0 ||
	       strcmp(listen, "::") == 0 || strcmp(listen, "*") == 0;
}

void relay_nodes_own_address(const char *configured, const char *listen, int port,
			     char out[RELAY_NODE_ADDR_SIZE])
{
	char host[256] = "localhost";

	if (configured && *configured) {
		snprintf(out, RELAY_NODE_ADDR_SIZE, "%s", configured);
		return;
	}
	if (!is_wildcard(listen))
		snprintf(host, sizeof(host), "%s", listen);
	else if (gethostname(host, sizeof(host) - 1) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(out, RELAY_NODE_ADDR_SIZE, strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);
}

void relay_owner_format(char out[RELAY_OWNER_SIZE], uint64_t link, const char *node)
{
	snprintf(out, RELAY_OWNER_SIZE, "%" PRIu64 " %s", link, node);
}

bool relay_owner_parse(const char *owner, uint64_t *link, char node[RELAY_NODE_ADDR_SIZE])
{
	char *end;
	const char *space = strchr(owner, ' ');

	if (!space || space == owner || strlen(space + 1) >= RELAY_NODE_ADDR_SIZE ||
	    !space[1])
		return false;
	errno = 0;
	*link = strtoull(owner, &end, 10);
	if (errno || end != space)
		return false;
	snprintf(node, RELAY_NODE_ADDR_SIZE, "%s", space + 1);
	return true;
}

/* Any certificate: relay_nodes_same_key() decides once the handshake is
 * done, so that a mismatch is logged in words. */
static int verify_later(int preverify_ok, X509_STORE_CTX *store)
{
	return 1;
}

SSL_CTX *relay_nodes_client_ctx(const char *cert, const char *key, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx || !SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
	    SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		snprintf(err, errlen, "cannot set up TLS to the other relay nodes with "
			 "relay.cert and relay.key");
		SSL_CTX_free(ctx);
		ERR_clear_error();
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_later);
	SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_TICKET);
	return ctx;
}

bool relay_nodes_same_key(SSL *ssl, SSL_CTX *own)
{
	X509 *peer = SSL_get0_peer_certificate(ssl);
	EVP_PKEY *mine = SSL_CTX_get0_privatekey(own);
	EVP_PKEY *theirs = peer ? X509_get0_pubkey(peer) : NULL;

	return mine && theirs && EVP_PKEY_eq(mine, theirs) == 1;
}

bool relay_nodes_split(const char *node, char host[RELAY_NODE_ADDR_SIZE], char port[8])
{
	const char *colon = strrchr(node, ':');
	size_t len;

	if (!colon || colon == node || !colon[1] || strlen(colon + 1) >= 8)
		return false;
	len = (size_t)(colon - node);
	if (node[0] == '[' && colon[-1] == ']' && len > 2) {
		node++;
		len -= 2;
	}
	snprintf(host, RELAY_NODE_ADDR_SIZE, "%.*s", (int)len, node);
	snprintf(port, 8, "%s", colon + 1);
	return true;
}

int relay_nodes_connect(const char *addr, const char *port)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
	struct addrinfo *ai;
	int one = 1;

	if (getaddrinfo(addr, port, &hints, &ai) != 0)
		return -EINVAL;
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		freeaddrinfo(ai);
		return -errno;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
		int ret = -errno;
		close(fd);
		freeaddrinfo(ai);
		return ret;
	}
	freeaddrinfo(ai);
	return fd;
}
