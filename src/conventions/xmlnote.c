/*
 * xmlnote.c - the EDF+ specification's structured annotation, an
 * <EDF_XMLnote> (Kemp & Olivan 2003, section 3.7):
 *
 *   <EDF_XMLnote>
 *     <Stimulus_elbow><duration unit="ms">0.2</duration>
 *       <intensity mode="current" unit="mA">15.3</intensity>
 *       <position>right elbow</position>
 *       <distance mode="stimulus to recording" unit="cm">28.5</distance>
 *     </Stimulus_elbow>
 *   </EDF_XMLnote>
 *
 *   <EDF_XMLnote><measurements><latency unit="ms">7.8</latency>
 *     <amplitude mode="baseline to peak" unit="mV">7.2</amplitude>
 *     <velocity mode="segmental" unit="m/s">55.0</velocity></measurements></EDF_XMLnote>
 *
 * plus <temperature unit="degree C" position="...">32.5</temperature> and
 * <height unit="cm">178</height> (recording-conventions.md section 3.6).
 *
 * Parsed with libxml2: no network (XML_PARSE_NONET), no entity substitution
 * (no XML_PARSE_NOENT), no external DTD (no XML_PARSE_DTDLOAD), no huge-input
 * mode, errors not printed (XML_PARSE_NOERROR | XML_PARSE_NOWARNING); notes
 * longer than CONV_XML_MAX_BYTES are refused. Text is read only from text and
 * CDATA nodes, so entity references are never expanded.
 */
#include "conv_internal.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <math.h>
#include <string.h>

enum { XML_VALUE_MAX = 128 };

static bool name_is(const xmlNode *n, const char *name)
{
    const char *s = (const char *)n->name;
    return s && conv_eq_word(s, strlen(s), name);
}

/* The text of an element: its text and CDATA children, trimmed. */
static size_t node_text(const xmlNode *n, char *out, size_t size)
{
    size_t len = 0;
    out[0] = '\0';
    for (const xmlNode *c = n->children; c; c = c->next) {
        if ((c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE) || !c->content)
            continue;
        size_t l = strlen((const char *)c->content);
        if (len + l >= size)
            l = size - 1 - len;
        memcpy(out + len, c->content, l);
        len += l;
        out[len] = '\0';
    }
    char tmp[XML_VALUE_MAX * 2];
    size_t n2 = conv_clean_text(out, len, false, tmp, sizeof tmp < size ? sizeof tmp : size);
    memcpy(out, tmp, n2 + 1);
    return n2;
}

static size_t attr_text(const xmlNode *n, const char *name, char *out, size_t size)
{
    out[0] = '\0';
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    if (!v)
        return 0;
    size_t l = conv_clean_text((const char *)v, strlen((const char *)v), false, out, size);
    xmlFree(v);
    return l;
}

/* The value of an element with a unit="..." attribute, as a quantity. */
static bool element_quantity(const xmlNode *n, conv_quantity *q, char *num, char *unit,
                             conv_annot *a)
{
    memset(q, 0, sizeof *q);
    q->value = NAN;
    size_t nl = node_text(n, num, XML_VALUE_MAX);
    size_t ul = attr_text(n, "unit", unit, XML_VALUE_MAX);
    q->num_s = num;
    q->num_len = nl;
    q->unit_s = unit;
    q->unit_len = ul;
    q->unit = ul ? conv_unit_of(unit, ul) : CONV_UNIT_NONE;
    q->is_valid = !memchr(num, ',', nl) && edx_parse_double(num, nl, &q->value) == EDX_OK &&
                  isfinite(q->value);
    if (!q->is_valid) {
        conv_warn(&a->warning, "CONV-NUMBER-MALFORMED", "XML <%s>: '%s' is not a number",
                  (const char *)n->name, num);
        return false;
    }
    if (q->unit == CONV_UNIT_NONE || q->unit == CONV_UNIT_UNKNOWN) {
        conv_warn(&a->warning, q->unit == CONV_UNIT_NONE ? "CONV-UNIT-MISSING" : "CONV-UNIT-UNKNOWN",
                  "XML <%s>: unit '%s' is not understood", (const char *)n->name, unit);
        return false;
    }
    return true;
}

static void store(conv_annot *a, double *field, bool ok, double v, const xmlNode *n)
{
    if (!ok) {
        conv_warn(&a->warning, "CONV-UNIT-UNKNOWN", "XML <%s>: the unit does not measure that",
                  (const char *)n->name);
        return;
    }
    if (!(v > 0.0)) {
        conv_warn(&a->warning, "CONV-VALUE-IMPLAUSIBLE", "XML <%s>: %g is not positive",
                  (const char *)n->name, v);
        return;
    }
    *field = v;
}

static void read_stimulus(const conv_tables *t, const xmlNode *e, conv_annot *a)
{
    char num[XML_VALUE_MAX], unit[XML_VALUE_MAX];
    a->what |= CONV_HAS_STIMULUS;
    for (const xmlNode *c = e->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        conv_quantity q;
        double v = NAN;
        if (name_is(c, "duration")) {
            if (element_quantity(c, &q, num, unit, a))
                {
                bool ok = conv_to_ms(&q, &v);
                store(a, &a->duration_ms, ok, v, c);
            }
        } else if (name_is(c, "intensity")) {
            if (element_quantity(c, &q, num, unit, a))
                {
                bool ok = conv_to_ma(&q, &v);
                store(a, &a->intensity_ma, ok, v, c);
            }
        } else if (name_is(c, "distance")) {
            if (element_quantity(c, &q, num, unit, a))
                {
                bool ok = conv_to_cm(&q, &v);
                store(a, &a->distance_cm, ok, v, c);
            }
        } else if (name_is(c, "position")) {
            char pos[XML_VALUE_MAX];
            size_t l = node_text(c, pos, sizeof pos);
            conv_word w[16];
            size_t n = conv_split_words(pos, l, w, 16, NULL);
            size_t i = 0;
            if (n > 0 && (a->side = conv_side_word(w[0].s, w[0].len)) != CONV_SIDE_NONE)
                i = 1;
            if (i < n)
                conv_set_site(t, w[i].s, (size_t)(pos + l - w[i].s), a);
        } else {
            conv_warn(&a->warning, "CONV-XML-UNKNOWN-ELEMENT",
                      "XML <%s> inside <%s> is not part of the conventions",
                      (const char *)c->name, (const char *)e->name);
        }
    }
    /* no <position>: the site is the element name's suffix ("Stimulus_elbow") */
    const char *en = (const char *)e->name;
    if (!a->site[0] && strlen(en) > 9 && en[8] == '_')
        conv_set_site(t, en + 9, strlen(en + 9), a);
    if (!a->site[0])
        conv_warn(&a->warning, "CONV-STIM-NO-SITE", "XML stimulus without a site");
}

static void read_measurements(const xmlNode *e, conv_annot *a)
{
    char num[XML_VALUE_MAX], unit[XML_VALUE_MAX];
    a->what |= CONV_HAS_RESPONSE;
    for (const xmlNode *c = e->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        conv_quantity q;
        double v = NAN;
        if (name_is(c, "latency")) {
            if (element_quantity(c, &q, num, unit, a))
                {
                bool ok = conv_to_ms(&q, &v);
                store(a, &a->latency_ms, ok, v, c);
            }
        } else if (name_is(c, "amplitude")) {
            if (element_quantity(c, &q, num, unit, a))
                {
                bool ok = conv_to_uv(&q, &v);
                store(a, &a->amplitude_uv, ok, v, c);
            }
        } else if (name_is(c, "velocity")) {
            if (element_quantity(c, &q, num, unit, a))
                {
                bool ok = conv_to_m_s(&q, &v);
                store(a, &a->velocity_m_s, ok, v, c);
            }
        } else {
            conv_warn(&a->warning, "CONV-XML-UNKNOWN-ELEMENT",
                      "XML <%s> inside <measurements> is not part of the conventions",
                      (const char *)c->name);
        }
    }
}

static void read_temperature(const xmlNode *e, conv_annot *a)
{
    char num[XML_VALUE_MAX], unit[XML_VALUE_MAX];
    conv_quantity q;
    double v = NAN;
    if (!element_quantity(e, &q, num, unit, a))
        return;
    if (!conv_to_c(&q, &v)) {
        conv_warn(&a->warning, "CONV-UNIT-UNSUPPORTED",
                  "XML <temperature>: unit '%s' is not degree Celsius", unit);
        return;
    }
    /* the same limits as the text form (annotation.c) */
    if (!(v >= 15.0 && v <= 45.0)) {
        conv_warn(&a->warning, "CONV-VALUE-IMPLAUSIBLE",
                  "XML <temperature>: %s C is outside 15..45 C", num);
        return;
    }
    a->what |= CONV_HAS_TEMPERATURE;
    a->temperature_c = v;
    char pos[CONV_NAME_MAX];
    attr_text(e, "position", pos, sizeof pos);
    conv_clean_text(pos, strlen(pos), true, a->temperature_site, sizeof a->temperature_site);
}

static void read_height(const xmlNode *e, conv_annot *a)
{
    char num[XML_VALUE_MAX], unit[XML_VALUE_MAX];
    conv_quantity q;
    double v = NAN;
    if (!element_quantity(e, &q, num, unit, a))
        return;
    if (!conv_to_cm(&q, &v) || !(v >= 40.0 && v <= 260.0)) {
        conv_warn(&a->warning, "CONV-VALUE-IMPLAUSIBLE", "XML <height>: '%s %s' is not a height",
                  num, unit);
        return;
    }
    a->what |= CONV_HAS_HEIGHT;
    a->height_cm = v;
}

int conv_parse_xmlnote(const conv_tables *t, const char *text, size_t len, conv_annot *a)
{
    a->what |= CONV_HAS_XML;
    if (len > CONV_XML_MAX_BYTES) {
        conv_warn(&a->warning, "CONV-XML-TOO-LARGE", "XML note of %zu bytes (more than %d)", len,
                  (int)CONV_XML_MAX_BYTES);
        return EDX_OK;
    }
    xmlDocPtr doc = xmlReadMemory(text, (int)len, "EDF_XMLnote", "UTF-8",
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        conv_warn(&a->warning, "CONV-XML-MALFORMED", "the XML note is not well-formed XML");
        return EDX_OK;
    }
    const xmlNode *root = xmlDocGetRootElement(doc);
    if (!root || !name_is(root, "EDF_XMLnote")) {
        conv_warn(&a->warning, "CONV-XML-MALFORMED", "the XML note's root is not <EDF_XMLnote>");
        xmlFreeDoc(doc);
        return EDX_OK;
    }
    bool any = false;
    for (const xmlNode *e = root->children; e; e = e->next) {
        if (e->type != XML_ELEMENT_NODE)
            continue;
        const char *en = (const char *)e->name;
        any = true;
        if (en && strlen(en) >= 8 && conv_eq_word(en, 8, "stimulus") && (en[8] == '\0' || en[8] == '_'))
            read_stimulus(t, e, a);
        else if (name_is(e, "measurements"))
            read_measurements(e, a);
        else if (name_is(e, "temperature"))
            read_temperature(e, a);
        else if (name_is(e, "height"))
            read_height(e, a);
        else
            conv_warn(&a->warning, "CONV-XML-UNKNOWN-ELEMENT",
                      "XML <%s> is not part of the conventions", en ? en : "?");
    }
    if (!any)
        conv_warn(&a->warning, "CONV-XML-EMPTY", "the XML note holds no element");
    xmlFreeDoc(doc);
    return EDX_OK;
}
