#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "smtp.h"

static void test_reply_line(void **state)
{
	int code = 0;

	(void)state;
	assert_int_equal(pt_smtp_reply_line("220 mail.example ESMTP", &code), 1);
	assert_int_equal(code, 220);
	code = 0;
	assert_int_equal(pt_smtp_reply_line("250-mail.example hello", &code), 0);
	assert_int_equal(pt_smtp_reply_line("250-STARTTLS", &code), 0);
	assert_int_equal(pt_smtp_reply_line("250 SIZE 1000", &code), 1);
	code = 0;
	assert_int_equal(pt_smtp_reply_line("250", &code), 1);
	code = 250;
	assert_int_equal(pt_smtp_reply_line("220 other code", &code), -1);
	code = 0;
	assert_int_equal(pt_smtp_reply_line("hello", &code), -1);
	assert_int_equal(pt_smtp_reply_line("22x ", &code), -1);
	assert_int_equal(pt_smtp_reply_line("2200", &code), -1);
	assert_string_equal(pt_smtp_result_name(PT_SMTP_BANNER_TIMEOUT), "banner-timeout");
}

/* A scripted server on 127.0.0.1: sends @greeting, answers EHLO with @ehlo, QUIT with 221;
 * with greeting NULL it accepts and stays silent. */
struct fake {
	int lfd;
	uint16_t port;
	const char *greeting;
	const char *ehlo;
	char got[512];
};

static void *fake_run(void *arg)
{
	struct fake *f = arg;
	int c = accept(f->lfd, NULL, NULL);
	size_t used = 0;

	if (c < 0) {
		return NULL;
	}
	if (!f->greeting) {
		sleep(1);
		close(c);
		return NULL;
	}
	if (write(c, f->greeting, strlen(f->greeting)) < 0) {
		close(c);
		return NULL;
	}
	while (used + 1 < sizeof(f->got)) {
		ssize_t r = read(c, f->got + used, sizeof(f->got) - 1 - used);

		if (r <= 0) {
			break;
		}
		used += (size_t)r;
		f->got[used] = '\0';
		if (strstr(f->got, "QUIT\r\n")) {
			if (write(c, "221 bye\r\n", 9) < 0) {
				break;
			}
			break;
		}
		if (strstr(f->got, "EHLO") && strstr(f->got, "\r\n") && f->ehlo) {
			if (write(c, f->ehlo, strlen(f->ehlo)) < 0) {
				break;
			}
			f->ehlo = NULL;
		}
	}
	close(c);
	return NULL;
}

static void fake_listen(struct fake *f)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(f->lfd >= 0);
	setsockopt(f->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(f->lfd, 4), 0);
	getsockname(f->lfd, (struct sockaddr *)&sin, &len);
	f->port = ntohs(sin.sin_port);
}

static void test_probe_ok_and_refused(void **state)
{
	struct fake f = { .greeting = "220-mail.test ESMTP\r\n220 ready\r\n",
			  .ehlo = "250-mail.test hi\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n" };
	struct pt_smtp_probe p[2];
	pthread_t t;
	int closed;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	(void)state;
	fake_listen(&f);
	/* a port that was bound and closed again: nothing listens, the kernel refuses */
	closed = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(closed, (struct sockaddr *)&sin, sizeof(sin)), 0);
	getsockname(closed, (struct sockaddr *)&sin, &len);
	close(closed);

	memset(p, 0, sizeof(p));
	snprintf(p[0].address, sizeof(p[0].address), "127.0.0.1");
	p[0].port = f.port;
	snprintf(p[1].address, sizeof(p[1].address), "127.0.0.1");
	p[1].port = ntohs(sin.sin_port);
	pthread_create(&t, NULL, fake_run, &f);
	assert_int_equal(pt_smtp_probe_all(p, 2, "probe.test", 2000), PT_OK);
	pthread_join(t, NULL);
	close(f.lfd);

	assert_int_equal(p[0].result, PT_SMTP_OK);
	assert_int_equal(p[0].banner_code, 220);
	assert_string_equal(p[0].banner, "mail.test ESMTP");
	assert_int_equal(p[0].ehlo_code, 250);
	assert_true(p[0].starttls);
	assert_true(p[0].quit_ok);
	assert_string_equal(p[0].extensions, "PIPELINING STARTTLS 8BITMIME");
	assert_non_null(strstr(f.got, "EHLO probe.test\r\n"));
	assert_int_equal(p[1].result, PT_SMTP_REFUSED);
}

static void test_probe_banner_timeout_and_bad_banner(void **state)
{
	struct fake silent = { .greeting = NULL };
	struct fake busy = { .greeting = "554 no service for you\r\n" };
	struct pt_smtp_probe p[3];
	pthread_t t1, t2;

	(void)state;
	fake_listen(&silent);
	fake_listen(&busy);
	memset(p, 0, sizeof(p));
	snprintf(p[0].address, sizeof(p[0].address), "127.0.0.1");
	p[0].port = silent.port;
	snprintf(p[1].address, sizeof(p[1].address), "127.0.0.1");
	p[1].port = busy.port;
	snprintf(p[2].address, sizeof(p[2].address), "not-an-address");
	p[2].port = 25;
	pthread_create(&t1, NULL, fake_run, &silent);
	pthread_create(&t2, NULL, fake_run, &busy);
	assert_int_equal(pt_smtp_probe_all(p, 3, NULL, 300), PT_OK);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	close(silent.lfd);
	close(busy.lfd);
	assert_int_equal(p[0].result, PT_SMTP_BANNER_TIMEOUT);
	assert_int_equal(p[1].result, PT_SMTP_BAD_BANNER);
	assert_int_equal(p[1].banner_code, 554);
	assert_string_equal(p[1].banner, "no service for you");
	assert_int_equal(p[2].result, PT_SMTP_BAD_ADDRESS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_line),
		cmocka_unit_test(test_probe_ok_and_refused),
		cmocka_unit_test(test_probe_banner_timeout_and_bad_banner),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
