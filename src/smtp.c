#include "smtp.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "clock.h"
#include "text.h"

#define PT_SMTP_DEFAULT_TIMEOUT_MS 5000
/* RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets; allow slack for odd servers. */
#define PT_SMTP_INBUF 2048

enum pt_smtp_step { PT_STEP_CONNECT, PT_STEP_BANNER, PT_STEP_EHLO, PT_STEP_QUIT, PT_STEP_DONE };

/* One connection's progress; lives only inside pt_smtp_probe_all(). */
struct pt_smtp_conn {
	struct pt_smtp_probe *probe;
	int fd;
	enum pt_smtp_step step;
	/* pt_clock time the current step gives up, nanoseconds */
	uint64_t deadline_ns;
	uint64_t start_ns;
	char in[PT_SMTP_INBUF];
	size_t inlen;
	/* reply code of the reply being read, 0 before its first line */
	int code;
	/* lines of the current reply read so far */
	unsigned lines;
	char out[320];
	size_t outlen;
	size_t outoff;
};

const char *pt_smtp_result_name(enum pt_smtp_result r)
{
	static const char *const names[] = {
		[PT_SMTP_OK] = "ok",
		[PT_SMTP_REFUSED] = "refused",
		[PT_SMTP_CONNECT_TIMEOUT] = "connect-timeout",
		[PT_SMTP_BANNER_TIMEOUT] = "banner-timeout",
		[PT_SMTP_BAD_BANNER] = "bad-banner",
		[PT_SMTP_EHLO_FAILED] = "ehlo-failed",
		[PT_SMTP_CLOSED] = "closed",
		[PT_SMTP_UNREACHABLE] = "unreachable",
		[PT_SMTP_BAD_ADDRESS] = "bad-address",
	};

	if ((unsigned)r >= sizeof(names) / sizeof(names[0])) {
		return "unknown";
	}
	return names[r];
}

int pt_smtp_reply_line(const char *line, int *code)
{
	int c;

	if (!isdigit((unsigned char)line[0]) || !isdigit((unsigned char)line[1]) ||
	    !isdigit((unsigned char)line[2])) {
		return -1;
	}
	if (line[3] != '\0' && line[3] != ' ' && line[3] != '-') {
		return -1;
	}
	c = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (*code != 0 && *code != c) {
		return -1;
	}
	*code = c;
	return line[3] == '-' ? 0 : 1;
}

static void pt_smtp_finish(struct pt_smtp_conn *c, enum pt_smtp_result r, uint64_t now)
{
	if (c->step != PT_STEP_QUIT) {
		c->probe->result = r;
	}
	c->probe->total_ms = (double)(now - c->start_ns) / (double)PT_NS_PER_MS;
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	c->step = PT_STEP_DONE;
}

static enum pt_smtp_result pt_smtp_errno_result(int err)
{
	return err == ECONNREFUSED ? PT_SMTP_REFUSED : PT_SMTP_UNREACHABLE;
}

/* Queue a command and move to @step with a fresh deadline. */
static void pt_smtp_send(struct pt_smtp_conn *c, const char *cmd, enum pt_smtp_step step,
			 uint64_t now, uint64_t timeout_ns)
{
	snprintf(c->out, sizeof(c->out), "%s\r\n", cmd);
	c->outlen = strlen(c->out);
	c->outoff = 0;
	c->code = 0;
	c->lines = 0;
	c->step = step;
	c->deadline_ns = now + timeout_ns;
}

static void pt_smtp_flush(struct pt_smtp_conn *c, uint64_t now)
{
	while (c->outoff < c->outlen) {
		ssize_t w = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
				return;
			}
			c->probe->err = errno;
			pt_smtp_finish(c,
				       c->step == PT_STEP_EHLO ? PT_SMTP_EHLO_FAILED
							       : PT_SMTP_UNREACHABLE,
				       now);
			return;
		}
		c->outoff += (size_t)w;
	}
}

/* Remember an EHLO extension keyword (the first word of each line after the greeting line). */
static void pt_smtp_extension(struct pt_smtp_probe *p, const char *text)
{
	char raw[64], word[64];
	size_t i, used = strlen(p->extensions);

	for (i = 0; text[i] && text[i] != ' ' && i + 1 < sizeof(raw); i++) {
		raw[i] = text[i] >= 'a' && text[i] <= 'z' ? (char)(text[i] - 'a' + 'A') : text[i];
	}
	/* keywords are ASCII; whatever else a server sends is data, cleaned like the banner */
	pt_text_clean(word, sizeof(word), raw, i);
	if (word[0] == '\0') {
		return;
	}
	if (strcmp(word, "STARTTLS") == 0) {
		p->starttls = true;
	}
	if (used + strlen(word) + 2 < sizeof(p->extensions)) {
		snprintf(p->extensions + used, sizeof(p->extensions) - used, "%s%s",
			 used ? " " : "", word);
	}
}

/* One complete line arrived (CR/LF stripped). */
static void pt_smtp_line(struct pt_smtp_conn *c, const char *line, const char *helo, uint64_t now,
			 uint64_t timeout_ns)
{
	struct pt_smtp_probe *p = c->probe;
	int end = pt_smtp_reply_line(line, &c->code);
	const char *text = line[3] ? line + 4 : "";
	char cmd[300];

	if (end < 0) {
		if (c->step == PT_STEP_BANNER) {
			pt_text_clean(p->banner, sizeof(p->banner), line, strlen(line));
		}
		pt_smtp_finish(c,
			       c->step == PT_STEP_BANNER ? PT_SMTP_BAD_BANNER : PT_SMTP_EHLO_FAILED,
			       now);
		return;
	}
	c->lines++;
	switch (c->step) {
	case PT_STEP_BANNER:
		if (c->lines == 1) {
			pt_text_clean(p->banner, sizeof(p->banner), text, strlen(text));
		}
		if (end) {
			p->banner_code = c->code;
			if (c->code != 220) {
				pt_smtp_finish(c, PT_SMTP_BAD_BANNER, now);
				return;
			}
			snprintf(cmd, sizeof(cmd), "EHLO %.255s", helo);
			pt_smtp_send(c, cmd, PT_STEP_EHLO, now, timeout_ns);
		}
		break;
	case PT_STEP_EHLO:
		if (c->lines > 1) {
			pt_smtp_extension(p, text);
		}
		if (end) {
			p->ehlo_code = c->code;
			if (c->code != 250) {
				p->result = PT_SMTP_EHLO_FAILED;
			} else {
				p->result = PT_SMTP_OK;
			}
			pt_smtp_send(c, "QUIT", PT_STEP_QUIT, now, timeout_ns);
		}
		break;
	case PT_STEP_QUIT:
		if (end) {
			p->quit_ok = c->code == 221;
			pt_smtp_finish(c, p->result, now);
		}
		break;
	default:
		break;
	}
}

static void pt_smtp_readable(struct pt_smtp_conn *c, const char *helo, uint64_t now,
			     uint64_t timeout_ns)
{
	ssize_t r = recv(c->fd, c->in + c->inlen, sizeof(c->in) - 1 - c->inlen, 0);
	size_t start = 0;

	if (r < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
			return;
		}
		c->probe->err = errno;
	}
	if (r <= 0) {
		pt_smtp_finish(c, c->step == PT_STEP_BANNER ? PT_SMTP_CLOSED : PT_SMTP_EHLO_FAILED,
			       now);
		return;
	}
	c->inlen += (size_t)r;
	c->in[c->inlen] = '\0';
	for (size_t i = 0; i < c->inlen && c->step != PT_STEP_DONE; i++) {
		if (c->in[i] != '\n') {
			continue;
		}
		c->in[i] = '\0';
		if (i > start && c->in[i - 1] == '\r') {
			c->in[i - 1] = '\0';
		}
		pt_smtp_line(c, c->in + start, helo, now, timeout_ns);
		start = i + 1;
	}
	if (c->step == PT_STEP_DONE) {
		return;
	}
	memmove(c->in, c->in + start, c->inlen - start);
	c->inlen -= start;
	if (c->inlen >= sizeof(c->in) - 1) {
		/* a line longer than any SMTP server sends */
		pt_smtp_finish(c,
			       c->step == PT_STEP_BANNER ? PT_SMTP_BAD_BANNER : PT_SMTP_EHLO_FAILED,
			       now);
	}
}

static void pt_smtp_start(struct pt_smtp_conn *c, uint64_t now, uint64_t timeout_ns)
{
	struct pt_smtp_probe *p = c->probe;
	struct sockaddr_storage ss;
	socklen_t sslen;
	char addr[PT_ADDRESS_MAX];
	char *pct;

	memset(&ss, 0, sizeof(ss));
	snprintf(addr, sizeof(addr), "%s", p->address);
	pct = strchr(addr, '%');
	if (pct) {
		*pct = '\0';
	}
	c->fd = -1;
	c->start_ns = now;
	c->deadline_ns = now + timeout_ns;
	c->step = PT_STEP_CONNECT;
	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(p->port);
		sslen = sizeof(*sin);
	} else if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(p->port);
		sslen = sizeof(*sin6);
	} else {
		pt_smtp_finish(c, PT_SMTP_BAD_ADDRESS, now);
		return;
	}
	c->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		p->err = errno;
		pt_smtp_finish(c, PT_SMTP_UNREACHABLE, now);
		return;
	}
	if (connect(c->fd, (struct sockaddr *)&ss, sslen) == 0) {
		p->connect_ms = 0;
		c->step = PT_STEP_BANNER;
		return;
	}
	if (errno != EINPROGRESS) {
		p->err = errno;
		pt_smtp_finish(c, pt_smtp_errno_result(errno), now);
	}
}

static void pt_smtp_connected(struct pt_smtp_conn *c, uint64_t now, uint64_t timeout_ns)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) {
		err = errno;
	}
	if (err != 0) {
		c->probe->err = err;
		pt_smtp_finish(c, pt_smtp_errno_result(err), now);
		return;
	}
	c->probe->connect_ms = (double)(now - c->start_ns) / (double)PT_NS_PER_MS;
	c->step = PT_STEP_BANNER;
	c->deadline_ns = now + timeout_ns;
}

static void pt_smtp_timeout(struct pt_smtp_conn *c, uint64_t now)
{
	static const enum pt_smtp_result on_timeout[] = {
		[PT_STEP_CONNECT] = PT_SMTP_CONNECT_TIMEOUT,
		[PT_STEP_BANNER] = PT_SMTP_BANNER_TIMEOUT,
		[PT_STEP_EHLO] = PT_SMTP_EHLO_FAILED,
		[PT_STEP_QUIT] = PT_SMTP_OK, /* kept as it was: QUIT is a courtesy */
		[PT_STEP_DONE] = PT_SMTP_OK,
	};

	pt_smtp_finish(c, on_timeout[c->step], now);
}

enum pt_status pt_smtp_probe_all(struct pt_smtp_probe *probes, size_t n, const char *helo,
				 unsigned timeout_ms)
{
	uint64_t timeout_ns =
		(uint64_t)(timeout_ms ? timeout_ms : PT_SMTP_DEFAULT_TIMEOUT_MS) * PT_NS_PER_MS;
	struct pt_smtp_conn *conns;
	struct pollfd *pfds;
	size_t *which;
	size_t active;

	if (n == 0) {
		return PT_OK;
	}
	if (!helo || !*helo) {
		helo = "proptrack.invalid";
	}
	conns = calloc(n, sizeof(*conns));
	pfds = calloc(n, sizeof(*pfds));
	which = calloc(n, sizeof(*which));
	if (!conns || !pfds || !which) {
		free(conns);
		free(pfds);
		free(which);
		return PT_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct pt_smtp_probe *p = &probes[i];

		p->result = PT_SMTP_UNREACHABLE;
		p->banner_code = 0;
		p->banner[0] = '\0';
		p->ehlo_code = 0;
		p->extensions[0] = '\0';
		p->starttls = false;
		p->quit_ok = false;
		p->connect_ms = 0;
		p->total_ms = 0;
		p->err = 0;
		conns[i].probe = p;
		pt_smtp_start(&conns[i], pt_clock_monotonic(), timeout_ns);
	}
	for (;;) {
		uint64_t now = pt_clock_monotonic(), soonest = UINT64_MAX;
		int wait_ms, rc;

		active = 0;
		for (size_t i = 0; i < n; i++) {
			struct pt_smtp_conn *c = &conns[i];

			if (c->step == PT_STEP_DONE) {
				continue;
			}
			if (now >= c->deadline_ns) {
				pt_smtp_timeout(c, now);
				continue;
			}
			if (c->deadline_ns < soonest) {
				soonest = c->deadline_ns;
			}
			pfds[active].fd = c->fd;
			pfds[active].events = (c->step == PT_STEP_CONNECT || c->outoff < c->outlen)
						      ? POLLOUT
						      : POLLIN;
			if (c->step != PT_STEP_CONNECT) {
				pfds[active].events |= POLLIN;
			}
			pfds[active].revents = 0;
			which[active++] = i;
		}
		if (active == 0) {
			break;
		}
		wait_ms = (int)((soonest - now + PT_NS_PER_MS - 1) / PT_NS_PER_MS);
		rc = poll(pfds, active, wait_ms);
		if (rc < 0 && errno != EINTR) {
			for (size_t k = 0; k < active; k++) {
				conns[which[k]].probe->err = errno;
				pt_smtp_finish(&conns[which[k]], PT_SMTP_UNREACHABLE, now);
			}
			break;
		}
		now = pt_clock_monotonic();
		for (size_t k = 0; rc > 0 && k < active; k++) {
			struct pt_smtp_conn *c = &conns[which[k]];
			short ev = pfds[k].revents;

			if (ev == 0 || c->step == PT_STEP_DONE) {
				continue;
			}
			if (c->step == PT_STEP_CONNECT) {
				pt_smtp_connected(c, now, timeout_ns);
				continue;
			}
			if (ev & POLLOUT) {
				pt_smtp_flush(c, now);
			}
			if (c->step != PT_STEP_DONE && (ev & (POLLIN | POLLHUP | POLLERR))) {
				pt_smtp_readable(c, helo, now, timeout_ns);
			}
			if (c->step != PT_STEP_DONE && c->outoff < c->outlen) {
				pt_smtp_flush(c, now);
			}
		}
	}
	free(conns);
	free(pfds);
	free(which);
	return PT_OK;
}

/* ---- STARTTLS (RFC 3207) for DANE: one server, blocking, the presented chain hashed ---- */

/* Read one whole reply (all its lines) into its code. @return the code, or -1. */
static int pt_tls_reply(int fd, char *buf, size_t size, size_t *len)
{
	int code = 0;

	for (;;) {
		char *nl = memchr(buf, '\n', *len);

		if (nl) {
			size_t n = (size_t)(nl - buf) + 1;
			char line[PT_SMTP_INBUF];
			int r;

			snprintf(line, sizeof(line), "%.*s",
				 (int)(n > 1 && nl[-1] == '\r' ? n - 2 : n - 1), buf);
			memmove(buf, buf + n, *len - n);
			*len -= n;
			r = pt_smtp_reply_line(line, &code);
			if (r < 0) {
				return -1;
			}
			if (r == 1) {
				return code;
			}
			continue;
		}
		if (*len + 1 >= size) {
			return -1;
		}
		ssize_t got = recv(fd, buf + *len, size - *len - 1, 0);

		if (got <= 0) {
			return -1;
		}
		*len += (size_t)got;
	}
}

static bool pt_tls_send(int fd, const char *s)
{
	size_t n = strlen(s), off = 0;

	while (off < n) {
		ssize_t w = send(fd, s + off, n - off, MSG_NOSIGNAL);

		if (w <= 0) {
			return false;
		}
		off += (size_t)w;
	}
	return true;
}

static void pt_tls_hash(const unsigned char *der, int len, unsigned char *s256, unsigned char *s512)
{
	SHA256(der, (size_t)len, s256);
	SHA512(der, (size_t)len, s512);
}

/* Hash certificate @p x (whole DER and its SubjectPublicKeyInfo) into slot @p i of @p out. */
static void pt_tls_keep(struct pt_smtp_tls *out, size_t i, X509 *x)
{
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der);

	if (len > 0) {
		pt_tls_hash(der, len, out->cert_sha256[i], out->cert_sha512[i]);
		OPENSSL_free(der);
	}
	der = NULL;
	len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	if (len > 0) {
		pt_tls_hash(der, len, out->spki_sha256[i], out->spki_sha512[i]);
		OPENSSL_free(der);
	}
}

enum pt_status pt_smtp_starttls(const char *address, uint16_t port, const char *name,
				const char *helo, unsigned timeout_ms, struct pt_smtp_tls *out)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct timeval tv;
	char buf[PT_SMTP_INBUF], cmd[320];
	size_t len = 0;
	int fd;
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;

	memset(out, 0, sizeof(*out));
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET6, address, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
		sl = sizeof(struct sockaddr_in6);
	} else if (inet_pton(AF_INET, address, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
		sl = sizeof(struct sockaddr_in);
	} else {
		snprintf(out->error, sizeof(out->error), "not a numeric address");
		return PT_ERR_PARSE;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(out->error, sizeof(out->error), "%s", strerror(errno));
		return PT_ERR_IO;
	}
	timeout_ms = timeout_ms ? timeout_ms : PT_SMTP_DEFAULT_TIMEOUT_MS;
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	snprintf(cmd, sizeof(cmd), "EHLO %s\r\n", helo && *helo ? helo : "proptrack.invalid");
	if (connect(fd, (struct sockaddr *)&ss, sl) != 0) {
		snprintf(out->error, sizeof(out->error), "connect: %s", strerror(errno));
	} else if (pt_tls_reply(fd, buf, sizeof(buf), &len) != 220) {
		snprintf(out->error, sizeof(out->error), "no 220 greeting");
	} else if (!pt_tls_send(fd, cmd) || pt_tls_reply(fd, buf, sizeof(buf), &len) != 250) {
		snprintf(out->error, sizeof(out->error), "EHLO not accepted");
	} else if (!pt_tls_send(fd, "STARTTLS\r\n") ||
		   pt_tls_reply(fd, buf, sizeof(buf), &len) != 220) {
		snprintf(out->error, sizeof(out->error), "STARTTLS not accepted");
	} else if (!(ctx = SSL_CTX_new(TLS_client_method())) || !(ssl = SSL_new(ctx))) {
		snprintf(out->error, sizeof(out->error), "OpenSSL could not start");
	} else {
		/* no verification here: DANE judges the chain against the TLSA records */
		SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
		if (name && *name) {
			char sni[256];

			snprintf(sni, sizeof(sni), "%s", name);
			if (*sni && sni[strlen(sni) - 1] == '.') {
				sni[strlen(sni) - 1] = '\0';
			}
			SSL_set_tlsext_host_name(ssl, sni);
		}
		SSL_set_fd(ssl, fd);
		if (SSL_connect(ssl) != 1) {
			snprintf(out->error, sizeof(out->error), "TLS handshake failed");
		} else {
			STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
			X509 *leaf = SSL_get1_peer_certificate(ssl);

			if (leaf) {
				pt_tls_keep(out, out->ncerts++, leaf);
				X509_free(leaf);
			}
			/* the chain as sent (the leaf first): the rest may hold a DANE-TA */
			for (int i = 1;
			     chain && i < sk_X509_num(chain) && out->ncerts < PT_SMTP_TLS_MAX;
			     i++) {
				pt_tls_keep(out, out->ncerts++, sk_X509_value(chain, i));
			}
			out->done = out->ncerts > 0;
			if (!out->done) {
				snprintf(out->error, sizeof(out->error),
					 "no certificate presented");
			}
			SSL_shutdown(ssl);
		}
	}
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	return PT_OK;
}
