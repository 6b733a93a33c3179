/*
 * interpret.c - evaluates every rule, picks the pattern the findings are
 * consistent with, lists secondary findings and the limitations, and words
 * the statement. Order of precedence (a later rule only when no earlier one
 * holds): suspicious for MND, polyneuropathy, peripheral nerve
 * hyperexcitability, radiculopathy, myopathy, focal neuropathies (carpal
 * tunnel, ulnar at the elbow), benign fasciculation, normal; otherwise
 * indeterminate, with what is missing. Focal neuropathies that hold beside
 * another pattern are secondary findings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/facts.h"
#include "edx/classify.h"

enum { R_MND, R_POLY, R_PNH, R_RADIC, R_MYO, R_CTS, R_UNE, R_BFS, R_NORMAL, R_COUNT };

static const char *const pattern_of[R_COUNT] = {
    [R_MND] = "suspicious_mnd",       [R_POLY] = "neuropathy",
    [R_PNH] = "peripheral_nerve_hyperexcitability",
    [R_RADIC] = "radiculopathy",      [R_MYO] = "myopathy",
    [R_CTS] = "neuropathy",           [R_UNE] = "neuropathy",
    [R_BFS] = "benign_fasciculation", [R_NORMAL] = "normal",
};

static json_t *evidence_json(const cls_rule *rules)
{
    json_t *a = json_array();
    for (int i = 0; i < R_COUNT; i++)
        json_array_append_new(a, json_pack("{s:s, s:b, s:s, s:s}", "rule", rules[i].id, "holds",
                                           rules[i].holds, "detail", rules[i].detail, "source",
                                           rules[i].source));
    return a;
}

static void add_limit(json_t *lim, const char *text)
{
    json_array_append_new(lim, json_string(text));
}

static json_t *limitations(const cls_facts *f, json_t *studied)
{
    json_t *lim = json_array();
    size_t short_rest = 0, not_assessed = 0;
    bool cold = false;
    for (size_t i = 0; i < f->n_nerves; i++)
        cold |= f->nerves[i].is_cold_withheld;
    for (size_t i = 0; i < f->n_muscles; i++) {
        short_rest += f->muscles[i].is_assessed && f->muscles[i].is_rest_short;
        not_assessed += !f->muscles[i].is_assessed;
    }
    if (cold)
        add_limit(lim, "cold limb: slowing and prolonged latencies were not called abnormal");
    if (short_rest)
        add_limit(lim, "too little rest recorded in some muscles (< 20 s) to exclude "
                       "spontaneous activity there");
    if (not_assessed)
        add_limit(lim, "needle EMG not analysed in some muscles");
    if (f->n_muscles == 0)
        add_limit(lim, "no needle EMG in this study");
    if (f->n_nerves == 0)
        add_limit(lim, "no nerve conduction studies in this study");
    static const char *const regions[] = {"bulbar", "cervical", "thoracic", "lumbosacral"};
    for (size_t k = 0; k < 4; k++) {
        bool seen = false;
        for (size_t i = 0; i < f->n_muscles; i++)
            seen |= !strcmp(f->muscles[i].region, regions[k]);
        if (seen)
            json_array_append_new(studied, json_string(regions[k]));
        else if (f->n_muscles) {
            char t[96];
            snprintf(t, sizeof t, "%s region not sampled (not assessed, not normal)",
                     regions[k]);
            add_limit(lim, t);
        }
    }
    return lim;
}

static const char *impression(int winner, const cls_rule *r, const json_t *regions, char *buf,
                              size_t size)
{
    char regs[96] = "";
    size_t i, n = 0;
    json_t *v;
    json_array_foreach(regions, i, v) {
        int w = snprintf(regs + n, sizeof regs - n, "%s%s", i ? ", " : "", json_string_value(v));
        n += w > 0 ? (size_t)w : 0;
    }
    const char *sub = winner >= 0 ? r[winner].subtype : NULL;
    switch (winner) {
    case R_MND:
        snprintf(buf, size, "The findings are consistent with widespread lower motor neuron "
                 "involvement (%s regions), as seen in motor neuron disease, in the appropriate "
                 "clinical context. Upper motor neuron signs and progression are clinical and "
                 "must be established before any diagnosis.", regs);
        break;
    case R_POLY:
        snprintf(buf, size, "The findings are consistent with a %s polyneuropathy.",
                 sub && !strcmp(sub, "axonal") ? "length-dependent axonal"
                 : sub                         ? sub
                                               : "");
        break;
    case R_PNH:
        snprintf(buf, size, "The findings are consistent with peripheral nerve "
                 "hyperexcitability (%s discharges).", sub);
        break;
    case R_RADIC:
        snprintf(buf, size, "The findings are consistent with a %s radiculopathy "
                 "(denervation confined to one myotome, sensory responses normal).", sub);
        break;
    case R_MYO:
        snprintf(buf, size, "The findings are consistent with a myopathic process%s.",
                 sub ? " with muscle membrane irritability" : "");
        break;
    case R_CTS:
        snprintf(buf, size, "The findings are consistent with a median neuropathy at the wrist "
                 "(carpal tunnel syndrome).");
        break;
    case R_UNE:
        snprintf(buf, size, "The findings are consistent with an ulnar neuropathy at the "
                 "elbow.");
        break;
    case R_BFS:
        snprintf(buf, size, "Fasciculations without fibrillations or positive sharp waves, with "
                 "normal motor unit potentials, recruitment and nerve conduction: consistent "
                 "with benign fasciculations, provided the neurological examination shows no "
                 "weakness, atrophy or upper motor neuron signs and there is no progression.");
        break;
    case R_NORMAL:
        snprintf(buf, size, "The findings are consistent with a normal study of the nerves and "
                 "muscles examined.");
        break;
    default:
        snprintf(buf, size, "The findings do not fit one pattern with confidence; see the "
                 "evidence and limitations.");
    }
    return buf;
}

static json_t *secondary(int winner, const cls_rule *r)
{
    json_t *a = json_array();
    for (int k = R_CTS; k <= R_UNE; k++)
        if (k != winner && r[k].holds && winner != R_POLY)
            json_array_append_new(a, json_pack("{s:s, s:s}", "pattern", "neuropathy", "subtype",
                                               r[k].subtype));
    return a;
}

json_t *cls_interpret(const json_t *findings)
{
    cls_facts *f = calloc(1, sizeof *f);
    cls_rule *r = calloc(R_COUNT, sizeof *r);
    json_t *regions = json_array(), *studied = json_array();
    if (!f || !r || !regions || !studied) {
        free(f), free(r), json_decref(regions), json_decref(studied);
        return NULL;
    }
    cls_facts_from_findings(findings, f);
    cls_rule_mnd(f, &r[R_MND], regions);
    cls_rule_polyneuropathy(f, &r[R_POLY]);
    cls_rule_hyperexcitability(f, &r[R_PNH]);
    cls_rule_radiculopathy(f, &r[R_RADIC]);
    cls_rule_myopathy(f, &r[R_MYO]);
    cls_rule_carpal_tunnel(f, &r[R_CTS]);
    cls_rule_ulnar_elbow(f, &r[R_UNE]);
    cls_rule_benign_fasciculation(f, &r[R_BFS]);
    cls_rule_normal(f, &r[R_NORMAL]);
    int winner = -1;
    for (int k = 0; k < R_COUNT && winner < 0; k++)
        if (r[k].holds)
            winner = k;
    json_t *lim = limitations(f, studied);
    char text[1024], statement[1400];
    impression(winner, r, regions, text, sizeof text);
    snprintf(statement, sizeof statement, "%s This is an automated, preliminary analysis; it "
             "must be reviewed and signed by a qualified physician.", text);
    const char *sub = winner >= 0 && r[winner].subtype ? r[winner].subtype : NULL;
    json_t *out = json_pack(
        "{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:s}", "pattern",
        winner >= 0 ? pattern_of[winner] : "indeterminate", "subtype",
        sub ? json_string(sub) : json_null(), "regions_with_lmn_signs",
        winner == R_MND ? regions : (json_decref(regions), json_array()), "regions_studied",
        studied, "secondary", secondary(winner, r), "evidence", evidence_json(r), "limitations",
        lim, "statement", statement);
    free(f);
    free(r);
    return out;
}
