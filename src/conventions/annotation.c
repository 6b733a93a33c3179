/*
 * annotation.c - the text grammar of annotations (recording-conventions.md
 * sections 3.2 to 4; man/edxreport-conventions.5).
 *
 *   Stimulus <side> <site words> [<d>ms x <i>mA] [at <dist>cm|mm from recording site]
 *   Response <amp>mV|uV at <lat>ms [(<v>m/s)]          the system's own measurement
 *   Temperature <t> C|°C [<site>]      Height <h> cm|mm|m
 *   Indication: <text>     Referrer: <text>
 *   Test: MNC|SNC|FW [<side>] [<nerve>]    Nerve: <side> <name>    Muscle: <side> <name>
 *   Rest | Insertion | Minimal|Slight | Moderate | Maximal|Full  [contraction]
 *   Needle site <n> | Site <n>
 *   <EDF_XMLnote>...</EDF_XMLnote>                      (xmlnote.c)
 *
 * The stimulus and response forms are the EDF+ specification's own texts
 * (Kemp & Olivan 2003, section 3.7). Keywords are case-insensitive, '_' is a
 * space, ':' after a keyword is optional. Nothing here fails on bad text: a
 * problem becomes the annotation's warning with a stable code.
 */
#include "conv_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/*
 * Plausibility limits [E: engineering choice, not clinical limits]: values
 * outside them are typing or unit errors (a distance of 650 cm is 6.5 cm
 * written in mm without a unit change); they are refused with
 * CONV-VALUE-IMPLAUSIBLE instead of being passed on.
 */
#define STIM_MAX_DISTANCE_CM 200.0 /* longer than any limb segment */
#define STIM_MAX_DURATION_MS 10.0  /* NCS pulses are 0.05-1 ms */
#define STIM_MAX_INTENSITY_MA 200.0 /* constant-current stimulators stop at 100 mA */
#define TEMP_MIN_C 15.0
#define TEMP_MAX_C 45.0
#define HEIGHT_MIN_CM 40.0
#define HEIGHT_MAX_CM 260.0

void conv_annot_init(conv_annot *a)
{
    memset(a, 0, sizeof *a);
    a->duration_ms = a->intensity_ma = a->distance_cm = NAN;
    a->amplitude_uv = a->latency_ms = a->velocity_m_s = NAN;
    a->temperature_c = a->height_cm = NAN;
}

void conv_set_site(const conv_tables *t, const char *s, size_t len, conv_annot *a)
{
    const char *canon = conv_find_stim_site(t, s, len);
    if (canon)
        conv_fmt(a->site, sizeof a->site, "%s", canon);
    else
        conv_clean_text(s, len, true, a->site, sizeof a->site);
}

/* Text starts with keyword kw (case-insensitive) followed by the end, a
 * space, '_' or ':'. *after: past the keyword, spaces and one ':'. */
static bool keyword(const char *s, size_t len, const char *kw, size_t *after, bool *colon)
{
    size_t k = strlen(kw);
    if (len < k || !conv_eq_word(s, k, kw))
        return false;
    if (k < len && !(s[k] == ' ' || s[k] == '_' || s[k] == ':' || conv_is_space((unsigned char)s[k])))
        return false;
    size_t i = k;
    while (i < len && (s[i] == '_' || conv_is_space((unsigned char)s[i])))
        i++;
    bool c = false;
    if (i < len && s[i] == ':') {
        c = true;
        i++;
        while (i < len && (s[i] == '_' || conv_is_space((unsigned char)s[i])))
            i++;
    }
    if (after)
        *after = i;
    if (colon)
        *colon = c;
    return true;
}

/* Is s[i] at the start of a number that is not glued to a word before it? */
static bool number_here(const char *s, size_t len, size_t i)
{
    if (!conv_starts_number(s, len, i))
        return false;
    if (i == 0)
        return true;
    unsigned char p = (unsigned char)s[i - 1];
    return !(conv_is_alpha(p) || conv_is_digit(p) || p == '.');
}

static void warn_quantity(conv_annot *a, const conv_quantity *q, const char *what)
{
    if (!q->is_valid)
        conv_warn(&a->warning, "CONV-NUMBER-MALFORMED", "%s: '%.*s' is not a number", what,
                  (int)q->num_len, q->num_s);
    else if (q->unit == CONV_UNIT_NONE)
        conv_warn(&a->warning, "CONV-UNIT-MISSING", "%s: '%.*s' has no unit", what,
                  (int)q->num_len, q->num_s);
    else
        conv_warn(&a->warning, "CONV-UNIT-UNKNOWN", "%s: unit '%.*s' of '%.*s' is not understood",
                  what, (int)q->unit_len, q->unit_s, (int)q->num_len, q->num_s);
}

/* Stores v in *field unless it is implausible or already set. */
static void set_value(conv_annot *a, double *field, double v, double lo, double hi,
                      const char *what, const conv_quantity *q)
{
    if (!(v > lo && v <= hi)) {
        conv_warn(&a->warning, "CONV-VALUE-IMPLAUSIBLE", "%s: %.*s%.*s is outside %g..%g", what,
                  (int)q->num_len, q->num_s, (int)q->unit_len, q->unit_s, lo, hi);
        return;
    }
    if (!isnan(*field)) {
        conv_warn(&a->warning, "CONV-STIM-MALFORMED", "%s: given twice ('%.*s')", what,
                  (int)q->num_len, q->num_s);
        return;
    }
    *field = v;
}

/* ---- Stimulus ---------------------------------------------------------------------- */

/*
 * Finds the next number at or after *p and reads it with its unit; *p moves
 * past it. Returns false when no number is left. *usable is false (after a
 * warning naming `what`) when the number is malformed or has no known unit.
 */
static bool next_quantity(const char *s, size_t len, size_t *p, conv_annot *a,
                          const char *what, conv_quantity *q, bool *usable)
{
    while (*p < len && !number_here(s, len, *p))
        (*p)++;
    if (*p >= len)
        return false;
    size_t at = *p;
    conv_read_quantity(s, len, at, q);
    *p = q->end > at ? q->end : at + 1;
    *usable = q->is_valid && q->unit != CONV_UNIT_NONE && q->unit != CONV_UNIT_UNKNOWN;
    if (!*usable)
        warn_quantity(a, q, what);
    return true;
}

static void parse_stimulus(const conv_tables *t, const char *s, size_t len, conv_annot *a)
{
    a->what |= CONV_HAS_STIMULUS;
    conv_word w[32];
    size_t n = conv_split_words(s, len, w, 32, NULL);
    size_t i = 0;
    if (i < n && (a->side = conv_side_word(w[i].s, w[i].len)) != CONV_SIDE_NONE)
        i++;
    /* site words: up to a number, or "at"/"x" before a number */
    size_t site_from = i;
    while (i < n) {
        size_t off = (size_t)(w[i].s - s);
        if (number_here(s, len, off))
            break;
        if ((conv_eq_word(w[i].s, w[i].len, "at") || conv_eq_word(w[i].s, w[i].len, "x")) &&
            i + 1 < n && number_here(s, len, (size_t)(w[i + 1].s - s)))
            break;
        i++;
    }
    if (i > site_from) {
        const char *b = w[site_from].s;
        conv_set_site(t, b, (size_t)(w[i - 1].s + w[i - 1].len - b), a);
    }
    if (!a->site[0])
        conv_warn(&a->warning, "CONV-STIM-NO-SITE", "stimulus without a site");
    /* the numbers: duration, intensity and distance, told apart by their units */
    size_t p = i < n ? (size_t)(w[i].s - s) : len;
    conv_quantity q;
    bool usable;
    while (next_quantity(s, len, &p, a, "stimulus", &q, &usable)) {
        double v;
        if (!usable)
            continue;
        if (conv_to_ms(&q, &v))
            set_value(a, &a->duration_ms, v, 0.0, STIM_MAX_DURATION_MS, "stimulus duration", &q);
        else if (conv_to_ma(&q, &v))
            set_value(a, &a->intensity_ma, v, 0.0, STIM_MAX_INTENSITY_MA, "stimulus intensity",
                      &q);
        else if (conv_to_cm(&q, &v))
            set_value(a, &a->distance_cm, v, 0.0, STIM_MAX_DISTANCE_CM, "stimulus distance", &q);
        else
            conv_warn(&a->warning, "CONV-UNIT-UNKNOWN",
                      "stimulus: unit '%.*s' is not a duration, intensity or distance",
                      (int)q.unit_len, q.unit_s);
    }
}

/* ---- Response (the acquisition system's measurement) --------------------------------- */

static void parse_response(const char *s, size_t len, conv_annot *a)
{
    a->what |= CONV_HAS_RESPONSE;
    conv_word w[4];
    size_t n = conv_split_words(s, len, w, 4, NULL);
    if (n >= 1 && (conv_eq_word(w[0].s, w[0].len, "absent") ||
                   conv_eq_word(w[0].s, w[0].len, "none"))) {
        a->is_response_absent = true;
        return;
    }
    bool any = false;
    conv_quantity q;
    bool usable;
    size_t p = 0;
    while (next_quantity(s, len, &p, a, "response", &q, &usable)) {
        double v;
        if (!usable) {
            continue;
        } else if (conv_to_uv(&q, &v) && isnan(a->amplitude_uv)) {
            a->amplitude_uv = v;
            any = true;
        } else if (conv_to_ms(&q, &v) && isnan(a->latency_ms)) {
            a->latency_ms = v;
            any = true;
        } else if (conv_to_m_s(&q, &v) && isnan(a->velocity_m_s)) {
            a->velocity_m_s = v;
            any = true;
        } else {
            conv_warn(&a->warning, "CONV-RESPONSE-MALFORMED",
                      "response: '%.*s%.*s' is not an amplitude, latency or velocity (or comes "
                      "twice)", (int)q.num_len, q.num_s, (int)q.unit_len, q.unit_s);
        }
    }
    if (!any)
        conv_warn(&a->warning, "CONV-RESPONSE-MALFORMED", "response without a measurement");
}

/* ---- conditions ------------------------------------------------------------------------- */

/* The first number in s with its unit, for a condition; false after a warning. */
static bool condition_quantity(const char *s, size_t len, conv_annot *a, const char *what,
                               const char *malformed_code, conv_quantity *q, size_t *at)
{
    size_t p = 0;
    bool usable;
    if (!next_quantity(s, len, &p, a, what, q, &usable)) {
        conv_warn(&a->warning, malformed_code, "%s without a value", what);
        return false;
    }
    *at = (size_t)(q->num_s - s);
    return usable;
}

static void parse_temperature(const char *s, size_t len, conv_annot *a)
{
    size_t p;
    conv_quantity q;
    double v;
    if (!condition_quantity(s, len, a, "temperature", "CONV-TEMPERATURE-MALFORMED", &q, &p))
        return;
    if (!conv_to_c(&q, &v)) {
        conv_warn(&a->warning, "CONV-UNIT-UNSUPPORTED",
                  "temperature: unit '%.*s' is not degree Celsius", (int)q.unit_len, q.unit_s);
        return;
    }
    if (!(v >= TEMP_MIN_C && v <= TEMP_MAX_C)) {
        conv_warn(&a->warning, "CONV-VALUE-IMPLAUSIBLE", "temperature %.*s C is outside %g..%g C",
                  (int)q.num_len, q.num_s, TEMP_MIN_C, TEMP_MAX_C);
        return;
    }
    a->what |= CONV_HAS_TEMPERATURE;
    a->temperature_c = v;
    /* words before or after the value name where it was measured */
    char site[CONV_NAME_MAX];
    conv_clean_text(s + q.end, len - q.end, true, site, sizeof site);
    if (!site[0])
        conv_clean_text(s, p, true, site, sizeof site);
    conv_fmt(a->temperature_site, sizeof a->temperature_site, "%s", site);
}

static void parse_height(const char *s, size_t len, conv_annot *a)
{
    size_t p;
    conv_quantity q;
    double v;
    if (!condition_quantity(s, len, a, "height", "CONV-HEIGHT-MALFORMED", &q, &p))
        return;
    if (!conv_to_cm(&q, &v)) {
        conv_warn(&a->warning, "CONV-UNIT-UNSUPPORTED", "height: unit '%.*s' is not a length",
                  (int)q.unit_len, q.unit_s);
        return;
    }
    if (!(v >= HEIGHT_MIN_CM && v <= HEIGHT_MAX_CM)) {
        conv_warn(&a->warning, "CONV-VALUE-IMPLAUSIBLE", "height %.*s%.*s is outside %g..%g cm",
                  (int)q.num_len, q.num_s, (int)q.unit_len, q.unit_s, HEIGHT_MIN_CM,
                  HEIGHT_MAX_CM);
        return;
    }
    a->what |= CONV_HAS_HEIGHT;
    a->height_cm = v;
}

/* ---- needle EMG --------------------------------------------------------------------------- */

/* Sources: recording-conventions.md section 4 (Rest, Insertion, Minimal
 * contraction / Slight, Moderate contraction, Maximal contraction / Full). */
static conv_state state_word(const char *s, size_t len)
{
    static const struct {
        const char *word;
        conv_state state;
    } words[] = {
        {"rest", CONV_STATE_REST},         {"insertion", CONV_STATE_INSERTION},
        {"insertional", CONV_STATE_INSERTION}, {"minimal", CONV_STATE_MINIMAL},
        {"slight", CONV_STATE_MINIMAL},    {"moderate", CONV_STATE_MODERATE},
        {"maximal", CONV_STATE_MAXIMAL},   {"full", CONV_STATE_MAXIMAL},
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (conv_eq_word(s, len, words[i].word))
            return words[i].state;
    return CONV_STATE_NONE;
}

static bool parse_state(const char *s, size_t len, conv_annot *a)
{
    conv_word w[4];
    size_t more = 0;
    size_t n = conv_split_words(s, len, w, 3, &more);
    if (n == 0 || n > 2 || more)
        return false;
    conv_state st = state_word(w[0].s, w[0].len);
    if (st == CONV_STATE_NONE)
        return false;
    if (n == 2 && !(conv_eq_word(w[1].s, w[1].len, "contraction") ||
                    conv_eq_word(w[1].s, w[1].len, "activation") ||
                    conv_eq_word(w[1].s, w[1].len, "effort") ||
                    conv_eq_word(w[1].s, w[1].len, "activity")))
        return false;
    a->what |= CONV_HAS_STATE;
    a->state = st;
    return true;
}

static void parse_needle_site(const char *s, size_t len, conv_annot *a)
{
    conv_word w[3];
    size_t more = 0;
    size_t n = conv_split_words(s, len, w, 2, &more);
    int64_t v = 0;
    if (n != 1 || more || edx_parse_int64(w[0].s, w[0].len, &v) != EDX_OK || v < 1 ||
        v > 10000) {
        conv_warn(&a->warning, "CONV-NEEDLE-SITE-MALFORMED",
                  "needle site: '%.*s' is not a site number (1, 2, ...)", (int)(len > 40 ? 40 : len),
                  s);
        return;
    }
    a->what |= CONV_HAS_NEEDLE_SITE;
    a->needle_site = (int)v;
}

/* "Nerve: <side> <name>" and "Muscle: <side> <name>" */
static void parse_side_and_name(const conv_tables *t, const char *s, size_t len, bool is_nerve,
                                conv_annot *a)
{
    conv_word w[16];
    size_t n = conv_split_words(s, len, w, 16, NULL);
    size_t i = 0;
    if (n > 0 && (a->side = conv_side_word(w[0].s, w[0].len)) != CONV_SIDE_NONE)
        i = 1;
    else if (n > 1 && (a->side = conv_side_word(w[n - 1].s, w[n - 1].len)) != CONV_SIDE_NONE)
        n--;
    const char *b = i < n ? w[i].s : s + len;
    size_t l = i < n ? (size_t)(w[n - 1].s + w[n - 1].len - b) : 0;
    while (l > 0 && b[l - 1] == '.')
        l--;
    if (is_nerve) {
        a->what |= CONV_HAS_NERVE;
        const char *name = conv_find_nerve_name(t, b, l);
        if (name)
            conv_fmt(a->nerve, sizeof a->nerve, "%s", name);
        else
            conv_warn(&a->warning, "CONV-UNKNOWN-NERVE", "Nerve: '%.*s' is not a nerve of %s",
                      (int)(l > 60 ? 60 : l), b, CONV_NERVES_FILE);
    } else {
        a->what |= CONV_HAS_MUSCLE;
        conv_clean_text(b, l, false, a->muscle_text, sizeof a->muscle_text);
        conv_match m = conv_find_muscle(t, b, l, false, &a->muscle);
        if (m != CONV_MATCH_EXACT) {
            a->muscle = NULL;
            conv_warn(&a->warning, "CONV-UNKNOWN-MUSCLE", "Muscle: '%s' is not a muscle of %s",
                      a->muscle_text, CONV_MUSCLES_FILE);
        }
    }
    if (a->side == CONV_SIDE_NONE)
        conv_warn(&a->warning, "CONV-NO-SIDE", "%s: no side (L or R) given",
                  is_nerve ? "Nerve" : "Muscle");
}

static void parse_free_text(const char *s, size_t len, unsigned bit, conv_annot *a)
{
    a->what |= bit;
    conv_clean_text(s, len, false, a->text, sizeof a->text);
}

/* ---- dispatch ------------------------------------------------------------------------------ */

int conv_parse_annotation(const conv_tables *t, const char *text, size_t len, conv_annot *out)
{
    if (!out || (!text && len))
        return EDX_ERR_INVALID;
    conv_annot_init(out);
    /* a NUL ends the text; surrounding white space is not part of it */
    const char *nul = len ? memchr(text, '\0', len) : NULL;
    if (nul)
        len = (size_t)(nul - text);
    while (len > 0 && conv_is_space((unsigned char)text[0])) {
        text++;
        len--;
    }
    while (len > 0 && conv_is_space((unsigned char)text[len - 1]))
        len--;
    if (len == 0) {
        out->what = CONV_HAS_IGNORED; /* the time-keeping annotation */
        return EDX_OK;
    }
    if (len >= 12 && text[0] == '<' && conv_eq_word(text + 1, 11, "EDF_XMLnote"))
        return conv_parse_xmlnote(t, text, len, out);

    size_t after = 0;
    bool colon = false;
    if (keyword(text, len, "stimulus", &after, NULL)) {
        parse_stimulus(t, text + after, len - after, out);
    } else if (keyword(text, len, "response", &after, NULL)) {
        parse_response(text + after, len - after, out);
    } else if (keyword(text, len, "temperature", &after, NULL) ||
               keyword(text, len, "temp", &after, NULL)) {
        parse_temperature(text + after, len - after, out);
    } else if (keyword(text, len, "height", &after, NULL)) {
        parse_height(text + after, len - after, out);
    } else if (keyword(text, len, "indication", &after, &colon) && colon) {
        parse_free_text(text + after, len - after, CONV_HAS_INDICATION, out);
    } else if (keyword(text, len, "referrer", &after, &colon) && colon) {
        parse_free_text(text + after, len - after, CONV_HAS_REFERRER, out);
    } else if (keyword(text, len, "test", &after, &colon) && colon) {
        conv_testcode tc;
        conv_parse_testcode(t, text + after, len - after, &tc);
        if (!tc.found) {
            conv_warn(&out->warning, "CONV-TESTCODE-MALFORMED",
                      "Test: '%.*s' is not MNC, SNC or FW", (int)(len - after > 40 ? 40 : len - after),
                      text + after);
        } else {
            out->what |= CONV_HAS_TEST;
            out->test = tc.test;
            out->side = tc.side;
            conv_fmt(out->nerve, sizeof out->nerve, "%s", tc.nerve);
            if (tc.warning.code)
                out->warning = tc.warning;
        }
    } else if (keyword(text, len, "nerve", &after, &colon) && colon) {
        parse_side_and_name(t, text + after, len - after, true, out);
    } else if (keyword(text, len, "muscle", &after, &colon) && colon) {
        parse_side_and_name(t, text + after, len - after, false, out);
    } else if (keyword(text, len, "needle", &after, NULL) &&
               keyword(text + after, len - after, "site", NULL, NULL)) {
        size_t a2 = 0;
        keyword(text + after, len - after, "site", &a2, NULL);
        parse_needle_site(text + after + a2, len - after - a2, out);
    } else if (keyword(text, len, "site", &after, NULL) && after < len &&
               conv_is_digit((unsigned char)text[after])) {
        parse_needle_site(text + after, len - after, out);
    } else if (parse_state(text, len, out)) {
        /* done */
    } else if (conv_eq_word(text, len, "Recording starts") ||
               conv_eq_word(text, len, "Recording ends")) {
        out->what |= CONV_HAS_IGNORED; /* EDF+ standard texts with nothing for us */
    } else {
        conv_warn(&out->warning, "CONV-ANNOTATION-UNKNOWN",
                  "annotation '%.*s' is not part of the recording conventions",
                  (int)(len > 80 ? 80 : len), text);
    }
    return EDX_OK;
}

/* ---- describing (tests, check) ----------------------------------------------------------- */

typedef struct sbuf {
    char *buf;
    size_t size, len;
} sbuf;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void sb_add(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *dst = b->len < b->size ? b->buf + b->len : NULL;
    size_t room = b->len < b->size ? b->size - b->len : 0;
    int r = vsnprintf(dst, room, fmt, ap);
    va_end(ap);
    if (r > 0)
        b->len += (size_t)r;
}

/* Numbers with at most 6 decimals and no trailing zeros: stable text. */
static void sb_num(sbuf *b, const char *name, double v)
{
    if (isnan(v))
        return;
    char n[64];
    edx_fmt_double(n, sizeof n, v, 6);
    size_t l = strlen(n);
    if (strchr(n, '.')) {
        while (l > 0 && n[l - 1] == '0')
            n[--l] = '\0';
        if (l > 0 && n[l - 1] == '.')
            n[--l] = '\0';
    }
    sb_add(b, " %s=%s", name, n);
}

size_t conv_annot_describe(const conv_annot *a, char *buf, size_t size)
{
    sbuf b = {buf, size, 0};
    if (size)
        buf[0] = '\0';
    const char *sep = "";
#define GROUP(name)                                                                           \
    do {                                                                                      \
        sb_add(&b, "%s%s", sep, name);                                                        \
        sep = "; ";                                                                           \
    } while (0)
    if (a->what & CONV_HAS_XML)
        GROUP("xml");
    if (a->what & CONV_HAS_STIMULUS) {
        GROUP("stimulus");
        if (a->side)
            sb_add(&b, " side=%s", conv_side_name(a->side));
        if (a->site[0])
            sb_add(&b, " site=\"%s\"", a->site);
        sb_num(&b, "duration_ms", a->duration_ms);
        sb_num(&b, "intensity_ma", a->intensity_ma);
        sb_num(&b, "distance_cm", a->distance_cm);
    }
    if (a->what & CONV_HAS_RESPONSE) {
        GROUP("response");
        if (a->is_response_absent)
            sb_add(&b, " absent");
        sb_num(&b, "amplitude_uv", a->amplitude_uv);
        sb_num(&b, "latency_ms", a->latency_ms);
        sb_num(&b, "velocity_m_s", a->velocity_m_s);
    }
    if (a->what & CONV_HAS_TEMPERATURE) {
        GROUP("temperature");
        sb_num(&b, "temperature_c", a->temperature_c);
        if (a->temperature_site[0])
            sb_add(&b, " site=\"%s\"", a->temperature_site);
    }
    if (a->what & CONV_HAS_HEIGHT) {
        GROUP("height");
        sb_num(&b, "height_cm", a->height_cm);
    }
    if (a->what & CONV_HAS_INDICATION) {
        GROUP("indication");
        sb_add(&b, " text=\"%s\"", a->text);
    }
    if (a->what & CONV_HAS_REFERRER) {
        GROUP("referrer");
        sb_add(&b, " text=\"%s\"", a->text);
    }
    if (a->what & CONV_HAS_TEST) {
        GROUP("test");
        sb_add(&b, " test=%s", conv_test_name(a->test));
        if (a->side)
            sb_add(&b, " side=%s", conv_side_name(a->side));
        if (a->nerve[0])
            sb_add(&b, " nerve=\"%s\"", a->nerve);
    }
    if (a->what & CONV_HAS_NERVE) {
        GROUP("nerve");
        if (a->side)
            sb_add(&b, " side=%s", conv_side_name(a->side));
        sb_add(&b, " nerve=\"%s\"", a->nerve);
    }
    if (a->what & CONV_HAS_MUSCLE) {
        GROUP("muscle");
        if (a->side)
            sb_add(&b, " side=%s", conv_side_name(a->side));
        sb_add(&b, " muscle=\"%s\"", a->muscle ? a->muscle->name : a->muscle_text);
    }
    if (a->what & CONV_HAS_STATE) {
        GROUP("state");
        sb_add(&b, " state=%s", conv_state_name(a->state));
    }
    if (a->what & CONV_HAS_NEEDLE_SITE) {
        GROUP("needle_site");
        sb_add(&b, " n=%d", a->needle_site);
    }
    if (a->what & CONV_HAS_IGNORED)
        GROUP("ignored");
    if ((a->what & ~(unsigned)CONV_HAS_XML) == 0 && !(a->what & CONV_HAS_IGNORED))
        GROUP("unknown");
    if (a->warning.code)
        sb_add(&b, "%swarning=%s", sep, a->warning.code);
#undef GROUP
    return b.len;
}
