/* SPDX-License-Identifier: MIT */
/* ui/tty: the session in a terminal, for both people.
 *
 * The customer (sharer) types the code the support person reads out, is
 * asked before anything is shared (and whether it is recorded), sees
 * whether the screen is shared or
 * paused and how much time is left, and has keys to pause, resume and
 * leave.  The support person (viewer) sees the code to read out, the state,
 * the time left and the link's figures, and has keys to end the session and
 * to get a new code.  Everything is said in plain words.
 *
 * When standard input or output is not a terminal (a test, a script), it
 * reads lines and prints lines instead, and never blocks the process.
 *
 * Everything it says is in kyoyu's catalogues (po/), in the language the
 * core chose.  Characters typed with a Japanese input method in full-width
 * mode count as their ASCII forms: ６９１ー２０４ー５５８ is a code, ｐ
 * pauses. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define KYOYU_LOG_COMPONENT "ui/tty"
#include <kyoyu/kyoyu.h>

#include "../../common/code-text.h"
#include "../../common/i18n.h"
#include "../../common/language.h"
#include "../../common/utf8-text.h"
#include "../common/customer-words.h"
#include "tty-input.h"

#define STATUS_EVERY_US 1000000
#define PENDING_LINES 8
#define CODE_DIGITS 9
/* After this many codes that did not work, the customer is told to ask for
 * a new one: the viewer kills a code after 5 wrong tries, or it expired. */
#define CODE_FAILURES_BEFORE_NEW 3

typedef struct ui {
	int stats_every_s; /* option */

	const kyoyu_host *host;
	kyoyu_bus *bus;
	uint32_t role;
	kyoyu_stage *stage;
	tty_input in;
	bool out_tty, status_shown;

	uint32_t state;
	int64_t ends_at_us;
	bool recording, lost;
	char peer[KYOYU_PEER_TEXT_MAX + 1];
	bool asking_code, asking_consent;
	bool may_skip_recording; /* the question offers "share without recording" */
	/* The question's words as shown, kept with the answer in the
	 * viewer's record of the consent. */
	char question[KYOYU_CONSENT_NOTICE_MAX + 1];
	unsigned code_asks; /* CODE NEEDED so far: the first, then one per failure */
	char code[16];
	size_t code_len;
	char key_bytes[4]; /* a character typed on the terminal, arriving */
	size_t key_len, key_need;
	char pending[PENDING_LINES][TTY_LINE_MAX]; /* answers typed ahead */
	unsigned n_pending;
	kyoyu_stats_info stats;
	bool have_stats;
	int64_t next_status_us, next_stats_line_us;
} ui;

static const kyoyu_option options[] = {
	KYOYU_OPTION_INT("stats_every_s", ui, stats_every_s, 10, 0, 3600,
			 "viewer, when the output is not a terminal: print the link's "
			 "figures this often (0: never)"),
	KYOYU_OPTION_END,
};

static bool sharer(const ui *u)
{
	return u->role == KYOYU_ROLE_SHARER;
}

/* ---- output ------------------------------------------------------------ */

static void clear_status(ui *u)
{
	if (u->status_shown)
		fputs("\r\033[K", stdout);
	u->status_shown = false;
}

static void say(ui *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(ui *u, const char *fmt, ...)
{
	va_list ap;

	clear_status(u);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* Text from the network or another stage, made safe for a terminal:
 * whole UTF-8 characters, no control character. */
static void printable(char *dst, size_t len, const kyoyu_buffer *buf)
{
	utf8_text_sanitize(dst, len, buf ? kyoyu_buffer_data(buf) : NULL,
			   buf ? kyoyu_buffer_size(buf) : 0);
}

/* "38 min left" or "45 s left"; empty when there is no cap. */
static void time_left(const ui *u, char *out, size_t len)
{
	out[0] = '\0';
	if (!u->ends_at_us)
		return;
	int64_t left = (u->ends_at_us - kyoyu_clock_now(u->host->clock)) / 1000000;
	if (left < 0)
		left = 0;
	if (left >= 60)
		/* TRANSLATORS: the time left before the session's time limit,
		 * in whole minutes, on the status line. */
		snprintf(out, len, _("%lld min left"), (long long)((left + 59) / 60));
	else
		/* TRANSLATORS: the last minute before the time limit, in seconds. */
		snprintf(out, len, _("%lld s left"), (long long)left);
}

/* Appends " | PART" (or PART first) to the status line LINE of LEN bytes. */
static void add_part(char *line, size_t len, const char *part)
{
	size_t used = strlen(line);

	if (*part && used + 1 < len)
		snprintf(line + used, len - used, "%s%s", used ? " | " : "", part);
}

/* The terminal's width in columns; 80 when it does not say. */
static int terminal_columns(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

static void show_status(ui *u)
{
	char left[64], line[KYOYU_PEER_TEXT_MAX + 512] = "", figures[160];

	if (!u->out_tty || u->asking_code || u->asking_consent)
		return;
	time_left(u, left, sizeof(left));
	if (sharer(u)) {
		if (u->state == KYOYU_STATE_SHARING) {
			add_part(line, sizeof(line), _("Sharing your screen"));
			add_part(line, sizeof(line), left);
			/* TRANSLATORS: a key and what it does, on the status line;
			 * the key stays p. */
			add_part(line, sizeof(line), _("p: pause"));
		} else if (u->state == KYOYU_STATE_PAUSED) {
			add_part(line, sizeof(line), _("Paused: nothing is sent"));
			add_part(line, sizeof(line), left);
			add_part(line, sizeof(line), _("r: resume"));
		} else {
			return;
		}
		add_part(line, sizeof(line), _("q: stop"));
	} else {
		if (u->state != KYOYU_STATE_SHARING && u->state != KYOYU_STATE_PAUSED)
			return;
		const char *who = u->peer[0] ? u->peer : _("the customer");
		char head[160];
		snprintf(head, sizeof(head),
			 u->state == KYOYU_STATE_PAUSED ? _("Paused by %s") : _("Viewing %s"),
			 who);
		add_part(line, sizeof(line), head);
		add_part(line, sizeof(line), left);
		add_part(line, sizeof(line), _("e: end"));
		/* TRANSLATORS: the link's figures on the operator's status line:
		 * bitrate, frames per second, round trip and latency. */
		snprintf(figures, sizeof(figures),
			 _("%u kbit/s | %u fps | round trip %u ms | latency %lld ms"),
			 u->stats.kbps, u->stats.fps, u->stats.rtt_ms,
			 (long long)(u->stats.latency_us / 1000));
		add_part(line, sizeof(line), figures);
	}
	/* One line, whatever the language: a wrapped status line could not be
	 * cleared and rewritten.  What matters most comes first. */
	utf8_text_cut_columns(line, terminal_columns() - 1);
	clear_status(u);
	fputs(line, stdout);
	fflush(stdout);
	u->status_shown = true;
}

/* Why the session ended, as the end of "The session has ended: %s." */
static const char *end_words(const ui *u, uint32_t reason)
{
	bool s = sharer(u);

	switch (reason) {
	case KYOYU_END_LEFT:
		return s ? _("you stopped sharing") : _("the customer stopped sharing");
	case KYOYU_END_OPERATOR:
		return s ? _("the support person ended it") : _("you ended it");
	case KYOYU_END_TIME_CAP:
		return _("the time limit was reached");
	case KYOYU_END_IDLE:
		return _("nothing happened for a long time");
	case KYOYU_END_CONSENT_DECLINED:
		if (u->recording)
			return s ? _("you did not agree to the recording")
				 : _("the customer did not agree to the recording");
		return s ? _("you did not allow sharing")
			 : _("the customer did not allow sharing");
	case KYOYU_END_LINK_LOST:
		return _("the connection was lost and did not come back");
	case KYOYU_END_REJECTED:
		return s ? _("the support team could not take the connection")
			 : _("the connection was refused");
	default:
		return _("something went wrong (see the messages above)");
	}
}

/* ---- questions ----------------------------------------------------------- */

static void post_value(ui *u, uint32_t type, int64_t value)
{
	kyoyu_bus_post_value(u->bus, type, value);
}

/* Posts the code as typed, in ASCII: full-width digits and Japanese
 * dashes count (code-text.h); the transport parses and checks it. */
static void submit_code(ui *u, const char *text)
{
	char ascii[TTY_LINE_MAX];
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_CODE);

	code_text_normalize(text, strlen(text), ascii, sizeof(ascii));
	if (msg)
		msg->buf = kyoyu_buffer_new_copy(ascii, strlen(ascii));
	memset(ascii, 0, sizeof(ascii));
	if (!msg || !msg->buf) {
		kyoyu_msg_unref(msg);
		say(u, "%s", _("Out of memory: please type the code again."));
		return;
	}
	msg->u.value = KYOYU_CODE_ENTERED;
	kyoyu_bus_post(u->bus, msg);
	u->asking_code = false;
	say(u, "%s", _("Connecting to the support team..."));
}

static bool is_yes(const char *s);
static bool is_no(const char *s);

/* ANSWER: a kyoyu_consent answer (GRANTED, GRANTED_UNRECORDED, DECLINED). */
static void answer_consent(ui *u, int answer)
{
	u->asking_consent = false;
	if (answer == KYOYU_CONSENT_DECLINED)
		say(u, "%s", u->recording
				     ? _("The session will not be recorded, so it ends now.")
				     : _("Your screen will not be shared. The session ends now."));
	else if (answer == KYOYU_CONSENT_GRANTED_UNRECORDED)
		say(u, "%s", _("Thank you. Your screen will be shared without recording."));
	else
		say(u, "%s", u->recording ? _("Thank you. The session will be recorded.")
					  : _("Thank you. Your screen will be shared now."));
	char language[KYOYU_CONSENT_LANGUAGE_MAX + 1];
	i18n_language(language, sizeof(language));
	kyoyu_consent_post(u->bus, (uint32_t)answer, language, u->question);
}

/* The answer KEY gives to the open question, or 0 for none. */
static int consent_key(const ui *u, int key)
{
	if (key == 'y' || key == 'Y')
		return KYOYU_CONSENT_GRANTED;
	if (key == 'n' || key == 'N')
		return KYOYU_CONSENT_DECLINED;
	if (u->may_skip_recording && (key == 'u' || key == 'U'))
		return KYOYU_CONSENT_GRANTED_UNRECORDED;
	return 0;
}

/* The answer a typed line gives ("y", "yes", "u"...), or 0 for none. */
static int consent_line(const ui *u, const char *s)
{
	if (is_yes(s))
		return KYOYU_CONSENT_GRANTED;
	if (is_no(s))
		return KYOYU_CONSENT_DECLINED;
	return s[0] && !s[1] ? consent_key(u, s[0]) : 0;
}

static bool is_yes(const char *s)
{
	return !strcasecmp(s, "y") || !strcasecmp(s, "yes");
}

static bool is_no(const char *s)
{
	return !strcasecmp(s, "n") || !strcasecmp(s, "no");
}

static bool looks_like_code(const char *s)
{
	char ascii[TTY_LINE_MAX];
	size_t digits = 0;
	bool other = false;

	code_text_normalize(s, strlen(s), ascii, sizeof(ascii));
	for (const char *c = ascii; *c; c++) {
		if (*c >= '0' && *c <= '9')
			digits++;
		else if (*c != ' ' && *c != '-')
			other = true;
	}
	memset(ascii, 0, sizeof(ascii));
	return digits > 0 && !other;
}

/* An answer typed before its question (a script) is used when it comes. */
static bool take_pending(ui *u, bool (*match)(const char *), char *out)
{
	for (unsigned i = 0; i < u->n_pending; i++) {
		if (!match(u->pending[i]))
			continue;
		snprintf(out, TTY_LINE_MAX, "%s", u->pending[i]);
		memset(u->pending[i], 0, TTY_LINE_MAX);
		memmove(u->pending[i], u->pending[i + 1],
			(u->n_pending - i - 1) * sizeof(u->pending[0]));
		u->n_pending--;
		return true;
	}
	return false;
}

static bool is_answer(const char *s)
{
	return is_yes(s) || is_no(s) || !strcasecmp(s, "u");
}

static void prompt_code(void)
{
	/* TRANSLATORS: the prompt the code is typed after, on a terminal. */
	fputs(_("Code: "), stdout);
	fflush(stdout);
}

/* Asked when the transport needs the code: first, and again after each
 * code that did not work (wrong, used up, expired or refused). */
static void ask_code(ui *u)
{
	char line[TTY_LINE_MAX];
	unsigned failures = u->code_asks++;

	u->asking_code = true;
	u->code_len = 0;
	if (failures == 0)
		say(u, "%s", _("Type the 9-digit code the support person reads to you, "
			       "then press Enter."));
	else if (failures < CODE_FAILURES_BEFORE_NEW)
		say(u, "%s", _("That code did not work. Check it with the support person "
			       "and type it again."));
	else
		/* The viewer gives no hint why; after a few tries the code is
		 * likely dead, and only the support person can make a new one. */
		say(u, "%s", _("That code did not work again. Ask the support person for "
			       "a new code, then type the new one."));
	if (take_pending(u, looks_like_code, line)) {
		submit_code(u, line);
		memset(line, 0, sizeof(line));
		return;
	}
	if (u->in.closed && !u->in.terminal)
		say(u, "%s", _("(no more input: nothing can be typed here)"));
	if (u->in.terminal)
		prompt_code();
}

/* One question before anything is shared: QUESTION is the session's
 * (kyoyu_consent ASK_...). */
static void ask_consent(ui *u, int64_t question)
{
	char line[TTY_LINE_MAX];
	bool recorded = question != KYOYU_CONSENT_ASK_UNRECORDED;

	const char *lines[3] = {NULL, NULL, NULL};

	u->asking_consent = true;
	u->recording = recorded;
	u->may_skip_recording = question == KYOYU_CONSENT_ASK_RECORDING_OPTIONAL;
	if (recorded) {
		lines[0] = _("The support team would like to see your screen and record "
			     "this session (only what your screen shows is recorded).");
		/* TRANSLATORS: y and n stay the keys to press. */
		lines[1] = _("Do you agree? Press y for yes or n for no.");
	} else {
		lines[0] = _("The support team would like to see your screen. Nothing is "
			     "shared until you allow it.");
		/* TRANSLATORS: y and n stay the keys to press. */
		lines[1] = _("Allow? Press y for yes or n for no.");
	}
	if (u->may_skip_recording)
		/* TRANSLATORS: u stays the key to press. */
		lines[2] = _("You may also share without recording: press u.");
	u->question[0] = '\0';
	for (size_t i = 0; i < 3 && lines[i]; i++) {
		say(u, "%s", lines[i]);
		size_t len = strlen(u->question);
		snprintf(u->question + len, sizeof(u->question) - len, "%s%s", i ? "\n" : "",
			 lines[i]);
	}
	/* Typed ahead: the first answer the question takes ("u" is not one
	 * where it is not offered). */
	while (take_pending(u, is_answer, line)) {
		int answer = consent_line(u, line);
		if (answer) {
			answer_consent(u, answer);
			break;
		}
		/* TRANSLATORS: y and n stay the keys to press. */
		say(u, "%s", _("Please answer y (yes) or n (no)."));
	}
}

/* ---- input --------------------------------------------------------------- */

/* A command key, the same for a terminal key and a one-letter line. */
static bool command(ui *u, int key)
{
	if (sharer(u)) {
		switch (key) {
		case 'p':
			post_value(u, KYOYU_MSG_PAUSE, 0);
			return true;
		case 'r':
			post_value(u, KYOYU_MSG_RESUME, 0);
			return true;
		case 'q':
			say(u, "%s", _("Stopping..."));
			post_value(u, KYOYU_MSG_END, KYOYU_END_LEFT);
			return true;
		}
	} else {
		switch (key) {
		case 'e':
			say(u, "%s", _("Ending the session..."));
			post_value(u, KYOYU_MSG_END, KYOYU_END_OPERATOR);
			return true;
		case 'n':
			post_value(u, KYOYU_MSG_CODE, KYOYU_CODE_REQUEST_NEW);
			return true;
		}
	}
	return false;
}

/* Gathers the bytes of one character typed on the terminal (an input
 * method sends several).  Returns true with its ASCII form in *KEY once it
 * is whole (0 for a character that stands for no ASCII one). */
static bool gather_key(ui *u, int byte, int *key)
{
	uint32_t cp;

	if (byte < 0x80 || (byte & 0xc0) != 0x80 || !u->key_need) {
		u->key_len = 0;
		u->key_need = byte < 0x80 ? 1 : (byte & 0xe0) == 0xc0 ? 2
					 : (byte & 0xf0) == 0xe0 ? 3
					 : (byte & 0xf8) == 0xf0 ? 4 : 0;
		if (!u->key_need)
			return false; /* a stray byte: no character begins with it */
	}
	u->key_bytes[u->key_len++] = (char)byte;
	if (u->key_len < u->key_need)
		return false;
	size_t n = utf8_text_decode(u->key_bytes, u->key_len, &cp);
	u->key_len = u->key_need = 0;
	*key = n ? (unsigned char)code_text_ascii(cp) : 0;
	return true;
}

static void on_key(void *ctx, int byte)
{
	ui *u = ctx;
	int key;

	KYOYU_ASSERT_STAGE_THREAD(u->stage);
	if (!gather_key(u, byte, &key) || !key)
		return;
	if (u->asking_code) {
		if (key >= '0' && key <= '9' && u->code_len < CODE_DIGITS) {
			u->code[u->code_len++] = (char)key;
			putchar(key);
			if (u->code_len == 3 || u->code_len == 6)
				putchar('-');
		} else if ((key == 0x7f || key == 0x08) && u->code_len > 0) {
			bool dash = u->code_len == 3 || u->code_len == 6;
			u->code_len--;
			fputs(dash ? "\b\b  \b\b" : "\b \b", stdout);
		} else if (key == '\n' || key == '\r') {
			putchar('\n');
			u->code[u->code_len] = '\0';
			if (u->code_len == CODE_DIGITS) {
				submit_code(u, u->code);
			} else {
				u->code_len = 0;
				fputs(_("The code has 9 digits."), stdout);
				putchar(' ');
				prompt_code();
			}
			memset(u->code, 0, sizeof(u->code));
		}
		fflush(stdout);
		return;
	}
	if (u->asking_consent) {
		if (consent_key(u, key))
			answer_consent(u, consent_key(u, key));
		return;
	}
	if (command(u, key))
		show_status(u);
}

static void on_line(void *ctx, const char *typed)
{
	ui *u = ctx;
	char narrow[TTY_LINE_MAX];
	const char *line = narrow;

	KYOYU_ASSERT_STAGE_THREAD(u->stage);
	/* Full-width letters and digits as ASCII: ｙ answers, ｐ pauses. */
	code_text_normalize(typed, strlen(typed), narrow, sizeof(narrow));
	while (*line == ' ' || *line == '\t')
		line++;
	if (!*line)
		return;
	if (u->asking_code) {
		submit_code(u, line);
	} else if (u->asking_consent) {
		if (consent_line(u, line))
			answer_consent(u, consent_line(u, line));
		else if (u->may_skip_recording)
			/* TRANSLATORS: y, n and u stay the keys to press. */
			say(u, "%s", _("Please answer y (yes), n (no) or u (share without "
				       "recording)."));
		else
			/* TRANSLATORS: y and n stay the keys to press. */
			say(u, "%s", _("Please answer y (yes) or n (no)."));
	} else if (line[1] == '\0' && command(u, line[0])) {
		/* done */
	} else if ((looks_like_code(line) || is_answer(line)) &&
		   u->n_pending < PENDING_LINES) {
		snprintf(u->pending[u->n_pending++], TTY_LINE_MAX, "%s", line);
	} else {
		char first[8];
		utf8_text_sanitize(first, sizeof(first), line, strlen(line));
		utf8_text_cut_columns(first, 2);
		/* TRANSLATORS: %s is the first character of what was typed;
		 * the keys stay p, r, q and e, n. */
		say(u, sharer(u) ? _("Unknown command \"%s...\": p pauses, r resumes, q stops "
				     "sharing.")
				 : _("Unknown command \"%s...\": e ends the session, n gives a "
				     "new code."),
		    first);
	}
	memset(narrow, 0, sizeof(narrow)); /* it may have held a code */
}

/* ---- the bus ------------------------------------------------------------- */

static void on_state(ui *u, const kyoyu_state_info *st)
{
	uint32_t prev = u->state;

	u->state = st->state;
	u->ends_at_us = st->ends_at_us;
	if (st->state == prev)
		return;
	switch (st->state) {
	case KYOYU_STATE_SHARING:
		if (sharer(u))
			say(u, "%s", prev == KYOYU_STATE_PAUSED
					     ? _("Sharing again: the support person sees your "
						 "screen.")
					     /* TRANSLATORS: p and q stay the keys. */
					     : _("Your screen is now shared with the support "
						 "person. Press p to pause, q to stop."));
		else
			say(u, "%s", prev == KYOYU_STATE_PAUSED
					     ? _("The customer shares the screen again.")
					     : _("Viewing the customer's screen. Press e to end "
						 "the session."));
		break;
	case KYOYU_STATE_PAUSED:
		say(u, "%s", sharer(u) ? _("Paused: nothing on your screen is sent. Press r "
					   "to resume.")
				       : _("The customer paused sharing."));
		break;
	case KYOYU_STATE_AWAITING_CONSENT:
		if (!sharer(u))
			say(u, "%s", u->recording
					     ? _("Waiting for the customer to agree to the "
						 "recording...")
					     : _("Waiting for the customer to allow sharing..."));
		break;
	case KYOYU_STATE_ENDED:
		u->asking_code = u->asking_consent = false;
		/* TRANSLATORS: %s is one of the reasons, such as "you stopped
		 * sharing" or "the time limit was reached". */
		say(u, _("The session has ended: %s."), end_words(u, st->reason));
		break;
	default:
		break;
	}
}

/* Sharer: who is asking, from the certificate the transport verified,
 * and how it was verified.  Never a name the viewer merely sent. */
static void say_who(ui *u, const kyoyu_msg *msg)
{
	char name[KYOYU_PEER_TEXT_MAX + 1], org[KYOYU_PEER_TEXT_MAX + 1];
	char issuer[KYOYU_PEER_TEXT_MAX + 1];
	uint32_t verified = msg->u.peer.verified;

	kyoyu_peer_text(msg, KYOYU_PEER_TEXT_NAME, name, sizeof(name));
	kyoyu_peer_text(msg, KYOYU_PEER_TEXT_ORG, org, sizeof(org));
	kyoyu_peer_text(msg, KYOYU_PEER_TEXT_ISSUER, issuer, sizeof(issuer));
	if (!verified || !name[0]) {
		say(u, "Connected to the support team.");
		return;
	}
	if (org[0])
		/* TRANSLATORS: a person's name, then their organisation. */
		say(u, _("Connected to %s (%s)."), name, org);
	else
		say(u, _("Connected to %s."), name);
	if (verified & KYOYU_PEER_VERIFIED_PIN)
		say(u, "%s", _("Verified by the key this computer was set up with."));
	else
		/* TRANSLATORS: the name of a certificate authority. */
		say(u, _("Verified by %s, which this computer trusts."),
		    issuer[0] ? issuer : _("a certificate authority"));
}

static void on_peer(ui *u, const kyoyu_msg *msg)
{
	switch (msg->u.peer.event) {
	case KYOYU_PEER_CONNECTED:
		kyoyu_peer_text(msg, KYOYU_PEER_TEXT_NAME, u->peer, sizeof(u->peer));
		for (char *c = u->peer; *c; c++) /* from the network: printable only */
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
		u->recording = msg->u.peer.recording;
		if (sharer(u))
			say_who(u, msg);
		else if (u->peer[0])
			/* TRANSLATORS: %s is the customer's name. */
			say(u, _("The customer (%s) is connected."), u->peer);
		else
			say(u, "%s", _("The customer is connected."));
		break;
	case KYOYU_PEER_LOST:
		u->lost = true;
		say(u, "%s", _("The connection was interrupted. Trying to get it back..."));
		break;
	case KYOYU_PEER_RESUMED:
		u->lost = false;
		say(u, "%s", _("The connection is back."));
		break;
	default:
		break;
	}
}

static void on_code(ui *u, const kyoyu_msg *msg)
{
	char code[24];

	switch (msg->u.value) {
	case KYOYU_CODE_NEEDED:
		if (sharer(u))
			ask_code(u);
		break;
	case KYOYU_CODE_ISSUED:
		if (sharer(u))
			break;
		printable(code, sizeof(code), msg->buf);
		/* TRANSLATORS: %s is the code, as 123-456-789. */
		say(u, _("Read this code to the customer: %s"), code);
		/* TRANSLATORS: n stays the key. */
		say(u, "%s", _("(it works once; press n for a new one)"));
		memset(code, 0, sizeof(code));
		break;
	case KYOYU_CODE_EXPIRED:
		if (!sharer(u))
			say(u, "%s", _("The code no longer works (too old, or mistyped too "
				       "often). Press n for a new one."));
		break;
	case KYOYU_CODE_ATTACKED: {
		char what[120];
		printable(what, sizeof(what), msg->buf);
		if (!sharer(u))
			/* TRANSLATORS: %s is how many wrong guesses from how many
			 * addresses, in English (the log's words). */
			say(u, _("Someone tried to guess the code (%s): it no longer works. "
				 "A fresh code follows; read that one to the customer."), what);
		break;
	}
	case KYOYU_CODE_REFUSED: {
		char why[160];
		printable(why, sizeof(why), msg->buf);
		if (!sharer(u))
			/* TRANSLATORS: %s is why, as the transport says it. */
			say(u, _("No new code: %s."), *why ? _(why) : why);
		break;
	}
	default:
		break;
	}
}

static void on_stats(ui *u, const kyoyu_stats_info *s, int64_t now)
{
	char left[32];

	u->stats = *s;
	u->have_stats = true;
	if (sharer(u) || u->out_tty || !u->stats_every_s || now < u->next_stats_line_us)
		return;
	u->next_stats_line_us = now + (int64_t)u->stats_every_s * 1000000;
	time_left(u, left, sizeof(left));
	/* TRANSLATORS: the link's figures, a line every few seconds on the
	 * operator's side when it is not a terminal; the last %s is the time
	 * left ("38 min left") or empty. */
	say(u, _("Link: %u kbit/s, %u fps, round trip %u ms, latency %lld ms, loss %u.%u%%%s%s"),
	    s->kbps, s->fps, s->rtt_ms, (long long)(s->latency_us / 1000),
	    s->loss_permille / 10, s->loss_permille % 10, *left ? ", " : "", left);
}

static void on_message(ui *u, const kyoyu_msg *msg)
{
	char text[240];

	KYOYU_ASSERT_STAGE_THREAD(u->stage);
	switch (msg->type) {
	case KYOYU_MSG_STATE:
		on_state(u, &msg->u.state);
		break;
	case KYOYU_MSG_PEER:
		on_peer(u, msg);
		break;
	case KYOYU_MSG_CODE:
		on_code(u, msg);
		break;
	case KYOYU_MSG_CONSENT:
		if (sharer(u) && (msg->u.value == KYOYU_CONSENT_ASK_RECORDED ||
				  msg->u.value == KYOYU_CONSENT_ASK_UNRECORDED ||
				  msg->u.value == KYOYU_CONSENT_ASK_RECORDING_OPTIONAL))
			ask_consent(u, msg->u.value);
		else if (!sharer(u) && msg->u.value == KYOYU_CONSENT_GRANTED_UNRECORDED)
			say(u, "%s", _("The customer allowed sharing without recording: nothing "
				       "is recorded."));
		else if (!sharer(u) && msg->u.value == KYOYU_CONSENT_GRANTED)
			say(u, "%s", u->recording ? _("The customer agreed to the recording.")
						  : _("The customer allowed sharing."));
		else if (!sharer(u) && msg->u.value == KYOYU_CONSENT_DECLINED)
			say(u, "%s", u->recording
					     ? _("The customer did not agree to the recording.")
					     : _("The customer did not allow sharing."));
		break;
	case KYOYU_MSG_STATS:
		on_stats(u, &msg->u.stats, kyoyu_now_us());
		break;
	case KYOYU_MSG_NOTICE:
		if (msg->u.notice.kind == KYOYU_NOTICE_TIME_WARNING) {
			int minutes = (msg->u.notice.seconds + 59) / 60;
			say(u, dngettext(KYOYU_TEXT_DOMAIN, "The session ends in about %d minute.",
					 "The session ends in about %d minutes.",
					 (unsigned long)minutes),
			    minutes);
		}
		if (msg->u.notice.kind == KYOYU_NOTICE_RECORDING_STOPPED)
			say(u, sharer(u) ? _("The support person's recording stopped (%s). The "
					     "session goes on without recording.")
					 : _("The recording stopped (%s). The session goes on "
					     "without recording."),
			    msg->u.notice.error == ENOSPC ? _("the disk is full")
							  : _("the file could not be written"));
		if (msg->u.notice.kind == KYOYU_NOTICE_RECONNECTING && sharer(u)) {
			char words[CUSTOMER_WORDS_MAX];
			customer_words_reconnecting(msg->u.notice.seconds, words, sizeof(words));
			say(u, "%s", words);
		}
		if (msg->u.notice.kind == KYOYU_NOTICE_CODEC_SWITCHED && sharer(u))
			say(u, "%s", _("This computer could not keep up with sending the "
				       "screen, so it is now sent in a lighter way. Text may "
				       "look a little less sharp."));
		else if (msg->u.notice.kind == KYOYU_NOTICE_CODEC_SWITCHED) {
			printable(text, sizeof(text), msg->buf);
			say(u, _("The customer's computer could not keep up, so the video "
				 "went over to %s, which costs it less."), text);
		}
		break;
	case KYOYU_MSG_ERROR:
		/* Words for the person from another stage (the transport: "Could
		 * not reach the support team..."), in their language when the
		 * catalogue has them. */
		if (msg->buf) {
			printable(text, sizeof(text), msg->buf);
			if (*text) /* gettext("") is the catalogue's header */
				say(u, "%s", _(text));
		}
		break;
	default:
		break;
	}
}

/* ---- the stage ----------------------------------------------------------- */

static int ui_init(void *priv, const kyoyu_host *host)
{
	ui *u = priv;

	u->host = host;
	u->bus = host->bus;
	u->role = host->role;
	return KYOYU_OK;
}

static int ui_start(void *priv, kyoyu_stage *stage)
{
	ui *u = priv;

	u->stage = stage;
	tty_input_open(&u->in, STDIN_FILENO);
	u->out_tty = isatty(STDOUT_FILENO);
	kyoyu_inbox_set_mask(kyoyu_stage_inbox(stage),
			     KYOYU_MSG_BIT(KYOYU_MSG_STATE) | KYOYU_MSG_BIT(KYOYU_MSG_PEER) |
				     KYOYU_MSG_BIT(KYOYU_MSG_CODE) |
				     KYOYU_MSG_BIT(KYOYU_MSG_CONSENT) |
				     KYOYU_MSG_BIT(KYOYU_MSG_STATS) |
				     KYOYU_MSG_BIT(KYOYU_MSG_NOTICE) |
				     KYOYU_MSG_BIT(KYOYU_MSG_ERROR));
	return 0;
}

static int ui_run(void *priv, kyoyu_stage *stage)
{
	ui *u = priv;
	kyoyu_inbox *inbox = kyoyu_stage_inbox(stage);
	int inbox_fd = kyoyu_inbox_fd(inbox);

	if (inbox_fd < 0) {
		kyoyu_error("no file descriptor left to wait on the bus; raise the limit "
			    "(ulimit -n)");
		return -EMFILE;
	}
	while (u->state != KYOYU_STATE_ENDED) {
		struct pollfd pfds[2] = {{inbox_fd, POLLIN, 0}, {u->in.fd, POLLIN, 0}};
		int64_t now = kyoyu_now_us();
		int timeout = -1;
		if (u->out_tty) {
			int64_t ms = (u->next_status_us - now) / 1000;
			timeout = ms > 0 ? (int)ms : 0;
		}
		if (poll(pfds, u->in.closed ? 1 : 2, timeout) < 0 && errno != EINTR)
			return -errno;
		if (!u->in.closed && pfds[1].revents)
			tty_input_read(&u->in, on_key, on_line, u);
		kyoyu_msg *msg;
		int ret;
		while ((ret = kyoyu_inbox_pop(inbox, &msg, 0)) == 0) {
			on_message(u, msg);
			kyoyu_msg_unref(msg);
		}
		if (ret == -ESHUTDOWN)
			break;
		now = kyoyu_now_us();
		if (u->out_tty && now >= u->next_status_us) {
			show_status(u);
			u->next_status_us = now + STATUS_EVERY_US;
		}
	}
	clear_status(u);
	fflush(stdout);
	return 0;
}

static void ui_stop(void *priv)
{
	ui *u = priv;

	tty_input_close(&u->in);
	memset(u->pending, 0, sizeof(u->pending));
}

static const kyoyu_stage_ops ops = {
	.size = sizeof(kyoyu_stage_ops),
	.start = ui_start,
	.run = ui_run,
	.stop = ui_stop,
	.formats = NULL, /* words only: it reads no frames */
};

static const kyoyu_plugin_descriptor descriptor = {
	KYOYU_PLUGIN_HEADER,
	.kind = KYOYU_KIND_UI,
	.name = "tty",
	.version = PACKAGE_VERSION,
	.license = "MIT",
	.description = "the session in a terminal: the code, consent, pause, time left",
	.priv_size = sizeof(ui),
	.options = options,
	.init = ui_init,
	.ops = &ops,
};

KYOYU_PLUGIN_DEFINE(kyoyu_ui_tty, descriptor)
