/*
 * label.c - signal labels ("EMG R TibAnt", "NC L Digit2", "R APB") and test
 * codes ("MNC R Median Nerve.").
 *
 * Sources: EDF+ specification (Kemp & Olivan 2003), section 3.7 "The Motor
 * Nerve Conduction file" (recording field "... MNC R Median Nerve.", label
 * "R APB") and its standard texts ("EMG", "NC" label prefixes);
 * recording-conventions.md sections 2, 3.2 and 4.
 */
#include "conv_internal.h"

#include <string.h>

enum { LABEL_MAX_WORDS = 16 };

/* Joins words [from, to) with single spaces ('_' read as ' '). */
static void join_words(const conv_word *w, size_t from, size_t to, char *out, size_t size)
{
    if (from >= to) {
        out[0] = '\0';
        return;
    }
    const char *b = w[from].s;
    size_t len = (size_t)(w[to - 1].s + w[to - 1].len - b);
    conv_clean_text(b, len, false, out, size);
}

int conv_parse_label(const conv_tables *t, const char *label, bool is_cut, conv_label *out)
{
    if (!out || !label)
        return EDX_ERR_INVALID;
    memset(out, 0, sizeof *out);
    conv_word w[LABEL_MAX_WORDS];
    size_t n = conv_split_words(label, strlen(label), w, LABEL_MAX_WORDS, NULL);
    if (n == 0) {
        conv_warn(&out->warning, "CONV-LABEL-EMPTY", "a signal has an empty label");
        return EDX_OK;
    }
    size_t from = 0, to = n;
    if (conv_eq_word(w[0].s, w[0].len, "EMG")) {
        out->kind = CONV_KIND_EMG;
        out->has_prefix = true;
        from = 1;
    } else if (conv_eq_word(w[0].s, w[0].len, "NC") || conv_eq_word(w[0].s, w[0].len, "NCS")) {
        out->kind = CONV_KIND_NC;
        out->has_prefix = true;
        from = 1;
    }
    if (from < to && (out->side = conv_side_word(w[from].s, w[from].len)) != CONV_SIDE_NONE)
        from++;
    else if (to - from >= 2 &&
             (out->side = conv_side_word(w[to - 1].s, w[to - 1].len)) != CONV_SIDE_NONE)
        to--;
    join_words(w, from, to, out->rest, sizeof out->rest);
    if (!out->rest[0]) {
        if (out->has_prefix)
            conv_warn(&out->warning, "CONV-LABEL-NO-SITE",
                      "label '%s' names no %s", label,
                      out->kind == CONV_KIND_EMG ? "muscle" : "recording site");
        return EDX_OK;
    }
    out->muscle_match = conv_find_muscle(t, out->rest, strlen(out->rest), is_cut, &out->muscle);
    if (out->muscle_match == CONV_MATCH_AMBIGUOUS)
        out->muscle = NULL;
    const char *rec = conv_find_recording_site(t, out->rest, strlen(out->rest));
    if (rec)
        conv_fmt(out->recording_site, sizeof out->recording_site, "%s", rec);

    if (out->kind == CONV_KIND_EMG) {
        if (out->muscle_match == CONV_MATCH_AMBIGUOUS)
            conv_warn(&out->warning, "CONV-AMBIGUOUS-MUSCLE",
                      "label '%s': '%s' starts the names of several muscles", label, out->rest);
        else if (!out->muscle)
            conv_warn(&out->warning, "CONV-UNKNOWN-MUSCLE",
                      "label '%s': '%s' is not a muscle of %s", label, out->rest,
                      CONV_MUSCLES_FILE);
    } else if (out->kind == CONV_KIND_NC && !rec) {
        conv_warn(&out->warning, "CONV-UNKNOWN-RECORDING-SITE",
                  "label '%s': '%s' is not a recording site of %s", label, out->rest,
                  CONV_NERVES_FILE);
    }
    return EDX_OK;
}

/* "MNC", "SNC", "FW", with a trailing '.' allowed. */
static conv_test test_code(const char *s, size_t len)
{
    if (len > 1 && s[len - 1] == '.')
        len--;
    if (conv_eq_word(s, len, "MNC"))
        return CONV_TEST_MOTOR;
    if (conv_eq_word(s, len, "SNC"))
        return CONV_TEST_SENSORY;
    if (conv_eq_word(s, len, "FW"))
        return CONV_TEST_FWAVE;
    return CONV_TEST_NONE;
}

int conv_parse_testcode(const conv_tables *t, const char *text, size_t len, conv_testcode *out)
{
    if (!out || (!text && len))
        return EDX_ERR_INVALID;
    memset(out, 0, sizeof *out);
    conv_word w[LABEL_MAX_WORDS];
    size_t n = conv_split_words(text, len, w, LABEL_MAX_WORDS, NULL);
    size_t i = 0;
    while (i < n && (out->test = test_code(w[i].s, w[i].len)) == CONV_TEST_NONE)
        i++;
    if (i == n)
        return EDX_OK;
    out->found = true;
    i++;
    if (i < n && (out->side = conv_side_word(w[i].s, w[i].len)) != CONV_SIDE_NONE)
        i++;
    if (i == n)
        return EDX_OK;
    /* the longest run of the following words that names a nerve */
    for (size_t to = n; to > i; to--) {
        const char *b = w[i].s;
        size_t l = (size_t)(w[to - 1].s + w[to - 1].len - b);
        while (l > 0 && b[l - 1] == '.')
            l--;
        const char *name = conv_find_nerve_name(t, b, l);
        if (name) {
            conv_fmt(out->nerve, sizeof out->nerve, "%s", name);
            return EDX_OK;
        }
    }
    char words[CONV_NAME_MAX];
    join_words(w, i, n, words, sizeof words);
    conv_warn(&out->warning, "CONV-UNKNOWN-NERVE", "test code: '%s' is not a nerve of %s",
              words, CONV_NERVES_FILE);
    return EDX_OK;
}
