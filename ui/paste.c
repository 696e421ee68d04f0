#include "paste.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Parser reason for a host name while names are not resolved (src/resolvers.c). Such lines
 * are not errors here: the dashboard resolves them in the background. */
#define NAME_REASON "needs name resolution"
/* The parser's reason names the host between quotes: "host name 'dns.google' needs ..." */
#define NAME_PREFIX "host name '"

static const char paste_start[] = "\033[200~";
static const char paste_end[] = "\033[201~";
#define MARKER_LEN 6

/* Where the byte decoder is. */
enum in_state {
	IN_TYPED, /* keys */
	IN_ESC,	  /* an Esc came; a sequence may follow */
	IN_SEQ,	  /* inside "\e[" or "\eO" */
	IN_PASTE, /* between the paste markers: everything is text */
};

struct diag {
	size_t line;
	char reason[160];
	enum pt_paste_note kind;
};

/* A line naming a host, and how its resolution stands. */
struct name {
	uint64_t id;
	size_t line;
	/* the entry's text (a CSV row after its header line) */
	char *text;
	size_t len;
	/* the host name as the parser quoted it, for the notes */
	char host[64];
	/* index of its note in diags, or SIZE_MAX when the notes are full */
	size_t note;
	bool handed;
	bool done;
};

/* What the unterminated last line parses to, recomputed when the text changed. */
struct tail {
	uint64_t gen;
	size_t parsed;
	bool valid;
	size_t entries;
	size_t tracked;
	size_t duplicates;
	size_t rejected;
	size_t names;
	bool has_diag;
	struct diag diag;
};

struct pt_paste {
	/* the text: CR, LF and CRLF stored as '\n'; never more than PT_PASTE_MAX_BYTES */
	char *text;
	size_t len;
	size_t cap;
	size_t dropped;
	/* the last byte stored was a CR turned into '\n' (a following LF is its pair) */
	bool last_cr;
	/* bumped on every change of the text */
	uint64_t gen;
	/* just past the last '\n' of the text: the end of the complete lines */
	size_t last_nl;
	/* number of '\n' in the text */
	size_t nlines;

	enum in_state in;
	char seq[16];
	size_t nseq;
	/* bytes of paste_end matched so far while IN_PASTE */
	size_t mlen;
	uint64_t esc_ns;
	uint64_t last_ns;
	bool unterminated;
	/* The current paste, to undo what terminals do to CRLF text: they send every LF as CR,
	 * so "\r\n" arrives as "\r\r". Where the paste starts in the text, and its runs of CR. */
	size_t paste_from;
	size_t cr_run;
	size_t cr_runs;
	size_t odd_runs;
	bool paste_lf;

	/* incremental parse of the complete lines text[0, parsed) */
	struct pt_resolvers *list;
	size_t parsed;
	size_t parsed_lines;
	/* the last CSV header line seen, put in front of the next chunk so the parser reads
	 * its rows by column */
	char *ctx;
	size_t ctx_len;
	struct diag *diags;
	size_t ndiags;
	size_t dcap;
	size_t rejected;
	size_t duplicates;
	enum pt_status st;

	/* host name lines of the parsed text, in line order; ids grow across edits */
	struct name *names;
	size_t nnames;
	size_t names_cap;
	size_t next_name;
	uint64_t name_seq;
	size_t names_pending;
	size_t names_resolved;

	const struct pt_resolvers *tracked;
	size_t tracked_upto;
	size_t ntracked;

	struct tail tail;
	size_t scroll;
};

struct pt_paste *pt_paste_new(const struct pt_resolvers *tracked)
{
	struct pt_paste *p = calloc(1, sizeof(*p));

	if (!p) {
		return NULL;
	}
	p->list = pt_resolvers_new();
	if (!p->list) {
		free(p);
		return NULL;
	}
	p->tracked = tracked;
	return p;
}

void pt_paste_free(struct pt_paste *p)
{
	if (!p) {
		return;
	}
	free(p->text);
	free(p->ctx);
	free(p->diags);
	for (size_t i = 0; i < p->nnames; i++) {
		free(p->names[i].text);
	}
	free(p->names);
	pt_resolvers_free(p->list);
	free(p);
}

static void names_clear(struct pt_paste *p)
{
	for (size_t i = 0; i < p->nnames; i++) {
		free(p->names[i].text);
	}
	p->nnames = 0;
	p->next_name = 0;
	p->names_pending = 0;
	p->names_resolved = 0;
}

/* Forget every parse result: the text before the parse point changed. */
static void invalidate(struct pt_paste *p)
{
	struct pt_resolvers *fresh = pt_resolvers_new();

	if (fresh) {
		pt_resolvers_free(p->list);
		p->list = fresh;
	} else {
		p->st = PT_ERR_NOMEM;
	}
	p->parsed = 0;
	p->parsed_lines = 0;
	free(p->ctx);
	p->ctx = NULL;
	p->ctx_len = 0;
	p->ndiags = 0;
	p->rejected = 0;
	names_clear(p);
	p->duplicates = 0;
	p->tracked_upto = 0;
	p->ntracked = 0;
	p->tail.valid = false;
}

void pt_paste_set_tracked(struct pt_paste *p, const struct pt_resolvers *tracked)
{
	p->tracked = tracked;
	p->tracked_upto = 0;
	p->ntracked = 0;
	p->tail.valid = false;
}

/* ---- text ---- */

static size_t line_start(const struct pt_paste *p, size_t end)
{
	while (end > 0 && p->text[end - 1] != '\n') {
		end--;
	}
	return end;
}

static void put(struct pt_paste *p, unsigned char c)
{
	if (c == '\n' && p->last_cr) {
		p->last_cr = false; /* the LF of a CRLF: the CR made the newline */
		return;
	}
	p->last_cr = c == '\r';
	if (c == '\r') {
		c = '\n';
	}
	if (p->len >= PT_PASTE_MAX_BYTES) {
		p->dropped++;
		return;
	}
	if (p->len == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 4096;
		char *t;

		if (cap > PT_PASTE_MAX_BYTES) {
			cap = PT_PASTE_MAX_BYTES;
		}
		t = realloc(p->text, cap);
		if (!t) {
			p->dropped++;
			p->st = PT_ERR_NOMEM;
			return;
		}
		p->text = t;
		p->cap = cap;
	}
	p->text[p->len++] = (char)c;
	p->gen++;
	if (c == '\n') {
		p->last_nl = p->len;
		p->nlines++;
	}
}

/* Cut the text to @p len bytes. */
static void truncate_to(struct pt_paste *p, size_t len)
{
	if (len >= p->len) {
		return;
	}
	for (size_t i = len; i < p->len; i++) {
		p->nlines -= p->text[i] == '\n';
	}
	p->len = len;
	p->gen++;
	p->last_cr = false;
	if (p->last_nl > len) {
		p->last_nl = line_start(p, len);
	}
	if (p->len < p->parsed) {
		invalidate(p);
	}
}

static void backspace(struct pt_paste *p)
{
	size_t n = p->len;

	if (n == 0) {
		return;
	}
	n--;
	if (p->text[n] != '\n') {
		/* a whole UTF-8 character: continuation bytes, then the lead byte */
		size_t k = 0;

		while (n > 0 && k < 3 && ((unsigned char)p->text[n] & 0xc0) == 0x80) {
			n--;
			k++;
		}
	}
	truncate_to(p, n);
}

/* ---- pastes ---- */

static void end_cr_run(struct pt_paste *p)
{
	if (p->cr_run > 0) {
		p->cr_runs++;
		p->odd_runs += p->cr_run & 1;
		p->cr_run = 0;
	}
}

/* A byte of pasted text. */
static void paste_put(struct pt_paste *p, unsigned char c)
{
	if (c == '\r') {
		p->cr_run++;
	} else {
		end_cr_run(p);
		if (c == '\n') {
			p->paste_lf = true; /* the terminal sends LF as is: no CRLF guessing */
		}
	}
	put(p, c);
}

static void paste_begin(struct pt_paste *p)
{
	p->in = IN_PASTE;
	p->mlen = 0;
	p->unterminated = false;
	p->paste_from = p->len;
	p->cr_run = 0;
	p->cr_runs = 0;
	p->odd_runs = 0;
	p->paste_lf = false;
}

/*
 * The paste ended. When every line end in it came as a pair of CRs (and no LF came as such),
 * it was CRLF text: make each pair one newline again, so line numbers match the user's file.
 * (Text with exactly one blank line after every line reads the same; nothing else does.)
 */
static void paste_finish(struct pt_paste *p)
{
	size_t r, w, removed = 0;

	p->in = IN_TYPED;
	p->mlen = 0;
	end_cr_run(p);
	if (p->paste_lf || p->cr_runs == 0 || p->odd_runs > 0 || p->paste_from >= p->len) {
		return;
	}
	for (r = w = p->paste_from; r < p->len;) {
		size_t k = 0;

		if (p->text[r] != '\n') {
			p->text[w++] = p->text[r++];
			continue;
		}
		while (r < p->len && p->text[r] == '\n') {
			k++;
			r++;
		}
		for (size_t i = 0; i < (k + 1) / 2; i++) {
			p->text[w++] = '\n';
		}
		removed += k - (k + 1) / 2;
	}
	if (removed == 0) {
		return;
	}
	p->len = w;
	p->nlines -= removed;
	p->last_nl = line_start(p, p->len);
	p->gen++;
	if (p->parsed > p->paste_from) {
		invalidate(p); /* parsed with the doubled line ends: read it again */
	}
}

/* ---- the byte decoder ---- */

/* A complete escape sequence in p->seq (after the Esc) while typing. */
static void typed_sequence(struct pt_paste *p)
{
	static const struct {
		const char *seq;
		long delta; /* rows; LONG_MIN/MAX for home/end */
	} moves[] = {
		{ "[A", -1 },	     { "OA", -1 },	{ "[B", 1 },	    { "OB", 1 },
		{ "[5~", -10 },	     { "[6~", 10 },	{ "[H", -1000000 }, { "OH", -1000000 },
		{ "[1~", -1000000 }, { "[F", 1000000 }, { "OF", 1000000 },  { "[4~", 1000000 },
	};

	p->seq[p->nseq] = '\0';
	if (p->nseq == MARKER_LEN - 1 && memcmp(p->seq, paste_start + 1, MARKER_LEN - 1) == 0) {
		paste_begin(p);
		return;
	}
	p->in = IN_TYPED;
	for (size_t i = 0; i < sizeof(moves) / sizeof(moves[0]); i++) {
		if (strcmp(p->seq, moves[i].seq) == 0) {
			long d = moves[i].delta;

			if (d < 0 && (size_t)-d > p->scroll) {
				p->scroll = 0;
			} else {
				p->scroll = (size_t)((long)p->scroll + d);
			}
			return;
		}
	}
	/* anything else (function keys, mouse) is ignored */
}

/* One byte between the paste markers. */
static void paste_byte(struct pt_paste *p, unsigned char c)
{
	for (;;) {
		if ((char)c == paste_end[p->mlen]) {
			if (++p->mlen == MARKER_LEN) {
				paste_finish(p);
			}
			return;
		}
		if (p->mlen == 0) {
			paste_put(p, c);
			return;
		}
		/* a false start: the bytes matched so far were text; look at c afresh */
		for (size_t i = 0; i < p->mlen; i++) {
			paste_put(p, (unsigned char)paste_end[i]);
		}
		p->mlen = 0;
	}
}

static enum pt_paste_event typed_byte(struct pt_paste *p, unsigned char c, uint64_t now_ns)
{
	switch (c) {
	case 0x04: /* Ctrl-D */
		return PT_PASTE_APPLY;
	case 0x1b:
		p->in = IN_ESC;
		p->esc_ns = now_ns;
		return PT_PASTE_NONE;
	case '\r':
	case '\n':
		put(p, c);
		return PT_PASTE_NONE;
	case 0x7f:
	case 0x08:
		backspace(p);
		return PT_PASTE_NONE;
	case 0x15: /* Ctrl-U: drop the line being typed */
		truncate_to(p, p->last_nl);
		return PT_PASTE_NONE;
	case '\t':
		put(p, c);
		return PT_PASTE_NONE;
	default:
		break;
	}
	if (c >= 0x20) {
		put(p, c); /* printable ASCII and every byte of UTF-8 */
	}
	return PT_PASTE_NONE;
}

enum pt_paste_event pt_paste_feed(struct pt_paste *p, const void *bytes, size_t n, uint64_t now_ns,
				  size_t *used)
{
	const unsigned char *b = bytes;
	enum pt_paste_event ev = PT_PASTE_NONE;
	size_t i;

	if (n > 0) {
		p->last_ns = now_ns;
	}
	for (i = 0; i < n && ev == PT_PASTE_NONE; i++) {
		unsigned char c = b[i];

		switch (p->in) {
		case IN_PASTE:
			paste_byte(p, c);
			break;
		case IN_ESC:
			if (c == '[' || c == 'O') {
				p->in = IN_SEQ;
				p->seq[0] = (char)c;
				p->nseq = 1;
			} else {
				/* Esc then another key: the Esc was a key of its own */
				p->in = IN_TYPED;
				ev = PT_PASTE_CANCEL;
			}
			break;
		case IN_SEQ:
			if (p->nseq + 1 >= sizeof(p->seq)) {
				p->in = IN_TYPED; /* too long for anything we know: drop it */
				break;
			}
			p->seq[p->nseq++] = (char)c;
			/* CSI ends with a byte in 0x40..0x7e; SS3 ("\eO") after one byte */
			if ((c >= 0x40 && c <= 0x7e) || p->seq[0] == 'O') {
				typed_sequence(p);
			} else if (c < 0x20 || c > 0x7e) {
				p->in = IN_TYPED; /* not a sequence after all */
			}
			break;
		case IN_TYPED:
		default:
			ev = typed_byte(p, c, now_ns);
			break;
		}
	}
	if (used) {
		*used = i;
	}
	return ev;
}

enum pt_paste_event pt_paste_tick(struct pt_paste *p, uint64_t now_ns)
{
	if (p->in == IN_ESC && now_ns - p->esc_ns >= PT_PASTE_ESC_NS) {
		p->in = IN_TYPED;
		return PT_PASTE_CANCEL;
	}
	if (p->in == IN_SEQ && now_ns - p->esc_ns >= PT_PASTE_ESC_NS) {
		p->in = IN_TYPED; /* half a sequence: drop it */
	}
	if (p->in == IN_PASTE && now_ns - p->last_ns >= PT_PASTE_STALL_NS) {
		/* the terminal never sent the end marker: end the paste, keep what came */
		for (size_t i = 0; i < p->mlen; i++) {
			paste_put(p, (unsigned char)paste_end[i]);
		}
		paste_finish(p);
		p->unterminated = true;
	}
	return PT_PASTE_NONE;
}

int pt_paste_wait_ms(const struct pt_paste *p, uint64_t now_ns)
{
	uint64_t due;

	switch (p->in) {
	case IN_ESC:
	case IN_SEQ:
		due = p->esc_ns + PT_PASTE_ESC_NS;
		break;
	case IN_PASTE:
		due = p->last_ns + PT_PASTE_STALL_NS;
		break;
	default:
		return -1;
	}
	if (due <= now_ns) {
		return 0;
	}
	return (int)((due - now_ns + 999999) / 1000000);
}

/* ---- parsing ---- */

/* A note on line @p line. @return its index, or SIZE_MAX when the notes are full. */
static size_t add_note(struct pt_paste *p, size_t line, enum pt_paste_note kind, const char *reason)
{
	struct diag *d;

	if (p->ndiags >= PT_PASTE_DIAGS_MAX) {
		return SIZE_MAX;
	}
	if (p->ndiags == p->dcap) {
		size_t cap = p->dcap ? p->dcap * 2 : 16;

		d = realloc(p->diags, cap * sizeof(*d));
		if (!d) {
			p->st = PT_ERR_NOMEM;
			return SIZE_MAX;
		}
		p->diags = d;
		p->dcap = cap;
	}
	d = &p->diags[p->ndiags];
	d->line = line;
	d->kind = kind;
	snprintf(d->reason, sizeof(d->reason), "%s", reason);
	return p->ndiags++;
}

static void add_diag(struct pt_paste *p, size_t line, const char *reason)
{
	p->rejected++;
	add_note(p, line, PT_PASTE_REJECTED, reason);
}

/* The host a NAME_REASON diagnostic quotes. */
static void quoted_host(char *out, size_t size, const char *reason)
{
	const char *a = strstr(reason, NAME_PREFIX), *b;

	out[0] = '\0';
	if (a) {
		a += strlen(NAME_PREFIX);
		b = strchr(a, '\'');
		snprintf(out, size, "%.*s", (int)(b ? b - a : (long)strlen(a)), a);
	}
}

/* Line @p line (s[0, n)) names a host: keep it for resolving, with the CSV header @p hdr in
 * front when it is a CSV row. */
static void add_name(struct pt_paste *p, size_t line, const char *reason, const char *hdr,
		     size_t hlen, const char *s, size_t n)
{
	struct name *nm;
	char note[160];

	if (p->nnames >= PT_PASTE_NAMES_MAX) {
		snprintf(note, sizeof(note), "more than %d host names in one paste: not resolved",
			 PT_PASTE_NAMES_MAX);
		add_diag(p, line, note);
		return;
	}
	if (p->nnames == p->names_cap) {
		size_t cap = p->names_cap ? p->names_cap * 2 : 16;

		nm = realloc(p->names, cap * sizeof(*nm));
		if (!nm) {
			p->st = PT_ERR_NOMEM;
			return;
		}
		p->names = nm;
		p->names_cap = cap;
	}
	nm = &p->names[p->nnames];
	memset(nm, 0, sizeof(*nm));
	nm->len = (hdr ? hlen + 1 : 0) + n;
	nm->text = malloc(nm->len + 1);
	if (!nm->text) {
		p->st = PT_ERR_NOMEM;
		return;
	}
	if (hdr) {
		memcpy(nm->text, hdr, hlen);
		nm->text[hlen] = '\n';
	}
	memcpy(nm->text + (hdr ? hlen + 1 : 0), s, n);
	nm->text[nm->len] = '\0';
	nm->id = ++p->name_seq;
	nm->line = line;
	quoted_host(nm->host, sizeof(nm->host), reason);
	snprintf(note, sizeof(note), "resolving %s\u2026", nm->host);
	nm->note = add_note(p, line, PT_PASTE_RESOLVING, note);
	p->nnames++;
	p->names_pending++;
}

/* Whether a line is a CSV header as src/resolvers.c reads one: comma-separated plain column
 * names (letters, digits, '_', '-', space; optionally quoted), one naming the address. */
static bool csv_header(const char *s, size_t n)
{
	bool has_ip = false, comma = false;
	size_t i = 0;

	if (n > 4096) {
		return false;
	}
	while (i <= n) {
		char f[64];
		size_t o = 0;
		bool quoted = false;

		while (i < n && (s[i] == ' ' || s[i] == '\t')) {
			i++;
		}
		if (i < n && s[i] == '"') {
			quoted = true;
			i++;
		}
		for (; i < n && (quoted || s[i] != ','); i++) {
			char c = s[i];

			if (c == '"' && quoted) {
				quoted = false;
				continue;
			}
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '_' || c == '-' || c == ' ' ||
			      c == '\t')) {
				return false;
			}
			if (o + 1 < sizeof(f)) {
				f[o++] = c;
			}
		}
		while (o > 0 && (f[o - 1] == ' ' || f[o - 1] == '\t')) {
			o--;
		}
		f[o] = '\0';
		if (strcasecmp(f, "ip_address") == 0 || strcasecmp(f, "ip") == 0 ||
		    strcasecmp(f, "address") == 0) {
			has_ip = true;
		}
		if (i < n && s[i] == ',') {
			comma = true;
		}
		i++;
	}
	return comma && has_ip;
}

static void count_tracked(struct pt_paste *p)
{
	size_t n = pt_resolvers_count(p->list);

	if (!p->tracked) {
		p->tracked_upto = n;
		return;
	}
	for (; p->tracked_upto < n; p->tracked_upto++) {
		const struct pt_resolver *r = pt_resolvers_get(p->list, p->tracked_upto);

		if (pt_resolvers_find(p->tracked, r->address, r->port) >= 0) {
			p->ntracked++;
		}
	}
}

/*
 * Parse text[start, end) (whole lines) into @p into, with the carried CSV header in front.
 * Diagnostics go to @p report with line numbers relative to @p start.
 */
static enum pt_status parse_range(struct pt_paste *p, struct pt_resolvers *into, size_t start,
				  size_t end, struct pt_parse_report *report)
{
	enum pt_status st;
	char *buf;
	size_t i;

	if (!p->ctx) {
		return pt_resolvers_parse(into, p->text + start, end - start, 0, report);
	}
	buf = malloc(p->ctx_len + 1 + (end - start));
	if (!buf) {
		return PT_ERR_NOMEM;
	}
	memcpy(buf, p->ctx, p->ctx_len);
	buf[p->ctx_len] = '\n';
	memcpy(buf + p->ctx_len + 1, p->text + start, end - start);
	st = pt_resolvers_parse(into, buf, p->ctx_len + 1 + (end - start), 0, report);
	free(buf);
	/* renumber: the header line in front is line 1 and says nothing by itself */
	for (i = 0; i < report->ndiags; i++) {
		report->diags[i].line = report->diags[i].line > 1 ? report->diags[i].line - 1 : 0;
	}
	return st;
}

static void parse_chunk(struct pt_paste *p, size_t start, size_t end)
{
	struct pt_parse_report rep = { 0 };
	const char *s, *e, *stop = p->text + end;
	const char *hdr = p->ctx;
	size_t i = 0, lines = 0, hlen = p->ctx_len;

	if (parse_range(p, p->list, start, end, &rep) != PT_OK) {
		p->st = PT_ERR_NOMEM;
	}
	/* walk the lines once: the notes (in line order, as the parser reports them), the CSV
	 * header each line is read under, and the last header for the chunks to come */
	for (s = p->text + start; s < stop; s = e + 1) {
		e = memchr(s, '\n', (size_t)(stop - s));
		if (!e) {
			e = stop;
		}
		lines++;
		for (; i < rep.ndiags && rep.diags[i].line <= lines; i++) {
			size_t line = p->parsed_lines + rep.diags[i].line;

			if (rep.diags[i].line < lines) {
				continue; /* 0: the carried header line */
			}
			if (strstr(rep.diags[i].reason, NAME_REASON)) {
				add_name(p, line, rep.diags[i].reason, hdr, hlen, s,
					 (size_t)(e - s));
			} else {
				add_diag(p, line, rep.diags[i].reason);
			}
		}
		if (memchr(s, ',', (size_t)(e - s)) && csv_header(s, (size_t)(e - s))) {
			hdr = s;
			hlen = (size_t)(e - s);
		}
	}
	p->rejected += rep.rejected - rep.ndiags;
	p->duplicates += rep.duplicates;
	pt_parse_report_fini(&rep);
	if (hdr != p->ctx) {
		char *c = malloc(hlen + 1);

		if (c) {
			memcpy(c, hdr, hlen);
			c[hlen] = '\0';
			free(p->ctx);
			p->ctx = c;
			p->ctx_len = hlen;
		}
	}
	p->parsed_lines += lines;
	count_tracked(p);
}

/* End of the complete lines: just past the last '\n'. */
static size_t complete_end(const struct pt_paste *p)
{
	return p->last_nl;
}

bool pt_paste_step(struct pt_paste *p, size_t budget)
{
	size_t done = complete_end(p), end;

	if (p->parsed >= done) {
		return false;
	}
	if (budget == 0) {
		budget = 1;
	}
	end = p->parsed + budget;
	if (end >= done) {
		end = done;
	} else {
		const char *nl = memchr(p->text + end, '\n', done - end);

		end = (size_t)(nl - p->text) + 1; /* there is one: done ends with '\n' */
	}
	parse_chunk(p, p->parsed, end);
	p->parsed = end;
	return p->parsed < done;
}

bool pt_paste_busy(const struct pt_paste *p)
{
	return p->parsed < complete_end(p);
}

/* Parse the unterminated last line on its own (into a scratch list). */
static void parse_tail(struct pt_paste *p)
{
	struct tail *t = &p->tail;
	struct pt_parse_report rep = { 0 };
	struct pt_resolvers *scratch;
	size_t start = complete_end(p), i, n;

	if (t->valid && t->gen == p->gen && t->parsed == p->parsed) {
		return;
	}
	memset(t, 0, sizeof(*t));
	t->gen = p->gen;
	t->parsed = p->parsed;
	t->valid = true;
	if (start >= p->len || p->parsed < start) {
		return; /* no last line, or earlier lines still wait (counted once parsed) */
	}
	scratch = pt_resolvers_new();
	if (!scratch) {
		return;
	}
	if (parse_range(p, scratch, start, p->len, &rep) == PT_OK) {
		n = pt_resolvers_count(scratch);
		for (i = 0; i < n; i++) {
			const struct pt_resolver *r = pt_resolvers_get(scratch, i);

			if (pt_resolvers_find(p->list, r->address, r->port) >= 0) {
				t->duplicates++;
				continue;
			}
			t->entries++;
			if (p->tracked && pt_resolvers_find(p->tracked, r->address, r->port) >= 0) {
				t->tracked++;
			}
		}
		t->duplicates += rep.duplicates;
		for (i = 0; i < rep.ndiags; i++) {
			if (rep.diags[i].line == 0) {
				continue;
			}
			if (strstr(rep.diags[i].reason, NAME_REASON)) {
				t->names++;
			} else if (!t->has_diag) {
				t->has_diag = true;
				t->rejected++;
				t->diag.line = p->parsed_lines + 1;
				snprintf(t->diag.reason, sizeof(t->diag.reason), "%s",
					 rep.diags[i].reason);
			}
		}
	}
	pt_parse_report_fini(&rep);
	pt_resolvers_free(scratch);
}

void pt_paste_stats(struct pt_paste *p, struct pt_paste_stats *out)
{
	parse_tail(p);
	memset(out, 0, sizeof(*out));
	out->entries = pt_resolvers_count(p->list) + p->tail.entries;
	out->tracked = p->ntracked + p->tail.tracked;
	out->duplicates = p->duplicates + p->tail.duplicates;
	out->rejected = p->rejected + p->tail.rejected;
	out->names = p->nnames + p->tail.names;
	out->names_pending = p->names_pending + p->tail.names;
	out->names_resolved = p->names_resolved;
	out->lines = p->nlines + (complete_end(p) < p->len ? 1 : 0);
	out->bytes = p->len;
	out->dropped = p->dropped;
	out->pasting = p->in == IN_PASTE;
	out->busy = p->parsed < complete_end(p);
	out->unterminated = p->unterminated;
}

size_t pt_paste_ndiags(struct pt_paste *p)
{
	parse_tail(p);
	return p->ndiags + (p->tail.has_diag ? 1 : 0);
}

struct pt_paste_diag pt_paste_diag(struct pt_paste *p, size_t i)
{
	struct pt_paste_diag d = { 0, "", PT_PASTE_REJECTED };

	parse_tail(p);
	if (i < p->ndiags) {
		d.line = p->diags[i].line;
		d.reason = p->diags[i].reason;
		d.kind = p->diags[i].kind;
	} else if (i == p->ndiags && p->tail.has_diag) {
		d.line = p->tail.diag.line;
		d.reason = p->tail.diag.reason;
	}
	return d;
}

const char *pt_paste_text(const struct pt_paste *p, size_t *len)
{
	if (len) {
		*len = p->len;
	}
	return p->text ? p->text : "";
}

/* Printable copy of s[0, n) into buf (size >= 1): '.' for controls, '?' for bad UTF-8. */
static void printable(char *buf, size_t size, const unsigned char *s, size_t n)
{
	size_t i = 0, o = 0;

	while (i < n) {
		size_t k = 0;
		unsigned char c = s[i];

		if (c >= 0xc2 && c <= 0xf4) {
			k = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
			if (i + k > n) {
				k = 0;
			}
			for (size_t j = 1; j < k; j++) {
				if ((s[i + j] & 0xc0) != 0x80) {
					k = 0;
					break;
				}
			}
			/* C1 controls are not for the screen either */
			if (k == 2 && c == 0xc2 && s[i + 1] < 0xa0) {
				k = 0;
			}
		}
		if (k > 1) {
			if (o + k >= size) {
				break;
			}
			memcpy(buf + o, s + i, k);
			o += k;
			i += k;
			continue;
		}
		if (o + 1 >= size) {
			break;
		}
		buf[o++] = c >= 0x80 ? '?' : (c < 0x20 || c == 0x7f) ? '.' : (char)c;
		i++;
	}
	buf[o] = '\0';
}

bool pt_paste_line_from_end(const struct pt_paste *p, size_t k, char *buf, size_t size)
{
	size_t end = p->len, start;

	if (size == 0) {
		return false;
	}
	buf[0] = '\0';
	/* nothing typed or pasted yet: one empty line (and no text to point into) */
	if (p->text == NULL) {
		return k == 0;
	}
	for (;;) {
		start = line_start(p, end);
		if (k == 0) {
			break;
		}
		if (start == 0) {
			return false; /* fewer lines */
		}
		end = start - 1;
		k--;
	}
	if (end == p->len && end - start > size - 1) {
		/* the line being typed: keep its end, starting on a character boundary */
		start = end - (size - 1);
		while (start < end && ((unsigned char)p->text[start] & 0xc0) == 0x80) {
			start++;
		}
	}
	printable(buf, size, (const unsigned char *)p->text + start,
		  end - start < 4 * size ? end - start : 4 * size);
	return true;
}

size_t pt_paste_scroll(const struct pt_paste *p)
{
	return p->scroll;
}

void pt_paste_clamp_scroll(struct pt_paste *p, size_t page)
{
	size_t n = pt_paste_ndiags(p);

	if (n <= page) {
		p->scroll = 0;
	} else if (p->scroll > n - page) {
		p->scroll = n - page;
	}
}

void pt_paste_complete(struct pt_paste *p)
{
	while (pt_paste_step(p, (size_t)-1 / 2)) {
	}
	if (complete_end(p) < p->len) {
		/* the last line counts as complete now */
		parse_chunk(p, complete_end(p), p->len);
		p->parsed = p->len;
	}
	/* the tail was folded in: keep stats from counting it twice */
	p->tail.valid = true;
	p->tail.gen = p->gen;
	p->tail.parsed = p->parsed;
	p->tail.entries = p->tail.tracked = p->tail.duplicates = 0;
	p->tail.rejected = p->tail.names = 0;
	p->tail.has_diag = false;
}

bool pt_paste_next_name(struct pt_paste *p, uint64_t *id, const char **text, size_t *len)
{
	if (p->next_name >= p->nnames) {
		return false;
	}
	struct name *nm = &p->names[p->next_name++];

	nm->handed = true;
	*id = nm->id;
	*text = nm->text;
	*len = nm->len;
	return true;
}

void pt_paste_name_result(struct pt_paste *p, uint64_t id, const struct pt_resolver *r,
			  const char *reason)
{
	size_t lo = 0, hi = p->nnames;
	struct name *nm = NULL;
	char note[160];
	enum pt_paste_note kind = PT_PASTE_RESOLVED;

	/* ids grow in line order: a binary search; an id from before an edit is not found */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->names[mid].id < id) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	if (lo < p->nnames && p->names[lo].id == id) {
		nm = &p->names[lo];
	}
	if (!nm || nm->done) {
		return;
	}
	nm->done = true;
	p->names_pending--;
	if (!r) {
		p->rejected++;
		kind = PT_PASTE_REJECTED;
		snprintf(note, sizeof(note), "%s", reason ? reason : "cannot resolve it");
	} else if (pt_resolvers_find(p->list, r->address, r->port) >= 0) {
		p->duplicates++;
		snprintf(note, sizeof(note), "%s is %s, already in the list", nm->host, r->address);
	} else if (pt_resolvers_add(p->list, r, NULL) != PT_OK) {
		p->st = PT_ERR_NOMEM;
		p->rejected++;
		kind = PT_PASTE_REJECTED;
		snprintf(note, sizeof(note), "%s", pt_strerror(PT_ERR_NOMEM));
	} else {
		p->names_resolved++;
		count_tracked(p);
		snprintf(note, sizeof(note), "%s is %s", nm->host, r->address);
	}
	if (nm->note != SIZE_MAX) {
		p->diags[nm->note].kind = kind;
		snprintf(p->diags[nm->note].reason, sizeof(p->diags[nm->note].reason), "%s", note);
	}
}

enum pt_status pt_paste_finish(struct pt_paste *p, const struct pt_resolvers **list,
			       struct pt_paste_stats *stats)
{
	pt_paste_complete(p);
	if (stats) {
		pt_paste_stats(p, stats);
	}
	*list = p->list;
	return p->st;
}
