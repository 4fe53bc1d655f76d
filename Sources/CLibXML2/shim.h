/*
 * CLibXML2 shim: the C side of XMLCore.
 *
 * This is a SwiftPM system-library target, so it cannot hold .c files: every helper
 * lives here as a `static` / `static inline` function prefixed `cxml_`. Only XMLCore
 * imports this module; no libxml2 type may leak above it.
 *
 * Parsing is done through one parser context per call (cxml_parse_memory) whose SAX
 * handler is patched to:
 *   - reject any DOCTYPE before a single entity declaration is read (internalSubset hook
 *     + xmlStopParser), which blocks XXE and entity-expansion bombs,
 *   - record the line and column of every element's start tag in node->_private and
 *     enforce a maximum element depth (startElementNs hook around xmlSAX2StartElementNs),
 *   - report errors through a per-context structured handler (never the global
 *     xmlGetLastError, which is wrong under concurrency),
 *   - optionally refuse processing instructions (processingInstruction hook + xmlStopParser),
 *   - optionally decode with a decoder chosen by the caller (XML_PARSE_IGNORE_ENC).
 */
#ifndef CLIBXML2_SHIM_H
#define CLIBXML2_SHIM_H

#include <libxml/xmlversion.h>
/* Debian's libxml2 pulls in the system ICU, which clashes with Foundation's copy. */
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlmemory.h>
#include <libxml/xmlIO.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlschemastypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------ */
/* Globals                                                                              */
/* ------------------------------------------------------------------------------------ */

/** Wrapper around `xmlFree`, which is a global function-pointer variable Swift 6 rejects. */
static inline void cxml_free(void *p) {
    if (p != NULL) xmlFree(p);
}

/* Sink for libxml2's generic (printf-style) error channel. */
static void cxml_silent_generic_error(void *ctx, const char *msg, ...) {
    (void)ctx;
    (void)msg;
}

/** One-time process set-up: parser globals, schema built-in types (lazily initialised and
 *  not thread-safe otherwise), an entity loader that refuses http:// and ftp://, and no
 *  printing to stderr (XMLCore collects every error it cares about per context). */
static inline void cxml_global_init(void) {
    xmlInitParser();
    xmlSchemaInitTypes();
    xmlSetExternalEntityLoader(xmlNoNetExternalEntityLoader);
    xmlThrDefSetGenericErrorFunc(NULL, cxml_silent_generic_error);
    xmlSetGenericErrorFunc(NULL, cxml_silent_generic_error);
}

/** Safe options: no network, no entity substitution, no DTD loading, no XInclude, no HUGE. */
static inline int cxml_safe_parse_options(void) {
    return XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES | XML_PARSE_NOERROR |
           XML_PARSE_NOWARNING | XML_PARSE_COMPACT;
}

/* ------------------------------------------------------------------------------------ */
/* Start-tag positions, stored in element->_private                                     */
/* ------------------------------------------------------------------------------------ */

static inline void *cxml_pack_position(long line, long col) {
    if (line < 0) line = 0;
    if (col < 0) col = 0;
#if UINTPTR_MAX > 0xFFFFFFFFu
    if (line > 0x7FFFFFFFL) line = 0x7FFFFFFFL;
    if (col > 0x7FFFFFFFL) col = 0x7FFFFFFFL;
    return (void *)(((uintptr_t)line << 32) | (uintptr_t)col);
#else
    if (line > 0xFFFFFL) line = 0xFFFFFL;
    if (col > 0xFFFL) col = 0xFFFL;
    return (void *)(((uintptr_t)line << 12) | (uintptr_t)col);
#endif
}

/** Line and column of an element's start tag as recorded while parsing.
 *  Falls back to xmlGetLineNo and column 0 for nodes not created by cxml_parse_memory. */
static inline void cxml_node_position(const xmlNode *node, long *line, long *col) {
    *line = 0;
    *col = 0;
    if (node == NULL) return;
    if (node->type == XML_ELEMENT_NODE && node->_private != NULL) {
        uintptr_t v = (uintptr_t)node->_private;
#if UINTPTR_MAX > 0xFFFFFFFFu
        *line = (long)(v >> 32);
        *col = (long)(v & 0xFFFFFFFFu);
#else
        *line = (long)(v >> 12);
        *col = (long)(v & 0xFFFu);
#endif
        return;
    }
    *line = xmlGetLineNo(node);
    if (*line < 0) *line = 0;
}

/* Number of characters (not UTF-8 continuation bytes) in [from, to). */
static inline long cxml_count_chars(const xmlChar *from, const xmlChar *to) {
    long n = 0;
    for (const xmlChar *p = from; p < to; p++)
        if ((*p & 0xC0) != 0x80) n++;
    return n;
}

/* Line and column of the '<' that opened the construct the parser is currently inside
 * (a start tag or a DOCTYPE). '<' cannot occur inside attribute values, so the nearest
 * '<' before the cursor is the one we want. Bounded scans keep this O(tag length). */
static inline void cxml_open_bracket_position(xmlParserCtxtPtr ctxt, int *line, int *col) {
    xmlParserInputPtr in = ctxt->input;
    *line = in != NULL ? in->line : 0;
    *col = in != NULL ? in->col : 0;
    if (in == NULL || in->cur == NULL || in->base == NULL) return;
    const xmlChar *p = in->cur;
    const xmlChar *limit = in->base;
    int newlines = 0;
    while (p > limit) {
        p--;
        if (*p == '<') break;
        if (*p == '\n') newlines++;
    }
    if (*p != '<') return; /* start of tag no longer buffered: keep the cursor position */
    if (newlines == 0) {
        long c = (long)in->col - cxml_count_chars(p, in->cur);
        *col = c >= 1 ? (int)c : 1;
        return;
    }
    /* The tag spans lines: its '<' is on an earlier line; find that line's start. */
    *line = in->line - newlines;
    const xmlChar *q = p;
    const xmlChar *scanLimit = (p - limit > 65536) ? p - 65536 : limit;
    while (q > scanLimit && q[-1] != '\n') q--;
    if (q == scanLimit && q != limit) {
        *col = 0; /* line start out of reach: column unknown */
        return;
    }
    if (q == limit && in->consumed != 0) {
        *col = 0; /* buffer was shrunk: the real line start is gone */
        return;
    }
    *col = (int)(cxml_count_chars(q, p) + 1);
}

/* ------------------------------------------------------------------------------------ */
/* Safe parsing                                                                         */
/* ------------------------------------------------------------------------------------ */

/** Per-parse state shared between Swift and the SAX hooks (ctxt->_private points here). */
typedef struct cxml_parse_state {
    /* in */
    int max_depth;                  /* 0 = unlimited */
    xmlStructuredErrorFunc on_error; /* called for every error-level issue */
    void *error_ctx;
    int forbid_pi;                  /* 1 = the first processing instruction stops the parser */
    const char *decoder;            /* libxml2 decoder to install (declared encoding then ignored); NULL = UTF-8 */
    /* out */
    int pi_seen;
    int pi_line;
    int pi_column;
    xmlChar *pi_target;             /* xmlStrdup'ed target of the first PI; the caller frees it */
    int decoder_failed;             /* `decoder` could not be installed */
    int doctype_seen;
    int doctype_line;
    int doctype_column;
    int too_deep;
    xmlNodePtr deep_node;           /* the element that exceeded max_depth (still in the tree) */
    int well_formed;                /* ctxt->wellFormed && ctxt->nsWellFormed */
    int error_count;                /* error-level issues reported */
} cxml_parse_state;

static void cxml_sax_internal_subset(void *ctx, const xmlChar *name, const xmlChar *externalID,
                                     const xmlChar *systemID) {
    (void)name;
    (void)externalID;
    (void)systemID;
    xmlParserCtxtPtr ctxt = (xmlParserCtxtPtr)ctx;
    cxml_parse_state *st = (cxml_parse_state *)ctxt->_private;
    if (st != NULL && !st->doctype_seen) {
        st->doctype_seen = 1;
        cxml_open_bracket_position(ctxt, &st->doctype_line, &st->doctype_column);
    }
    /* Stop before the internal subset ([ <!ENTITY ...> ]) is even read. */
    xmlStopParser(ctxt);
}

static void cxml_sax_start_element_ns(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                                      const xmlChar *URI, int nb_namespaces, const xmlChar **namespaces,
                                      int nb_attributes, int nb_defaulted, const xmlChar **attributes) {
    xmlParserCtxtPtr ctxt = (xmlParserCtxtPtr)ctx;
    cxml_parse_state *st = (cxml_parse_state *)ctxt->_private;
    int line, col;
    cxml_open_bracket_position(ctxt, &line, &col);
    int depthBefore = ctxt->nodeNr;
    xmlSAX2StartElementNs(ctx, localname, prefix, URI, nb_namespaces, namespaces, nb_attributes,
                          nb_defaulted, attributes);
    if (ctxt->nodeNr <= depthBefore || ctxt->node == NULL) return; /* allocation failed */
    ctxt->node->_private = cxml_pack_position(line, col);
    if (st != NULL && st->max_depth > 0 && ctxt->nodeNr > st->max_depth && !st->too_deep) {
        st->too_deep = 1;
        st->deep_node = ctxt->node;
        xmlStopParser(ctxt);
    }
}

/* Processing instructions: refused (recorded, parser stopped) when st->forbid_pi, else kept. */
static void cxml_sax_processing_instruction(void *ctx, const xmlChar *target, const xmlChar *data) {
    xmlParserCtxtPtr ctxt = (xmlParserCtxtPtr)ctx;
    cxml_parse_state *st = (cxml_parse_state *)ctxt->_private;
    if (st != NULL && st->forbid_pi) {
        if (!st->pi_seen) {
            st->pi_seen = 1;
            cxml_open_bracket_position(ctxt, &st->pi_line, &st->pi_column);
            st->pi_target = target != NULL ? xmlStrdup(target) : NULL;
        }
        xmlStopParser(ctxt);
        return;
    }
    xmlSAX2ProcessingInstruction(ctx, target, data);
}

static void cxml_sax_structured_error(void *ctx, xmlErrorPtr error) {
    xmlParserCtxtPtr ctxt = (xmlParserCtxtPtr)ctx;
    if (ctxt == NULL || error == NULL) return;
    cxml_parse_state *st = (cxml_parse_state *)ctxt->_private;
    if (st == NULL || error->level < XML_ERR_ERROR) return; /* warnings are ignored */
    st->error_count++;
    if (st->on_error != NULL) st->on_error(st->error_ctx, error);
}

/**
 * Parses `len` bytes with the safe options and the hooks above.
 * Returns the document (possibly partial when the parse was stopped or failed: the caller
 * decides from `st` and must xmlFreeDoc it), or NULL. Never touches global error state.
 */
static inline xmlDocPtr cxml_parse_memory(const char *buffer, int len, cxml_parse_state *st) {
    xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt(buffer, len);
    if (ctxt == NULL) return NULL;
    int options = cxml_safe_parse_options();
    if (st->decoder != NULL) options |= XML_PARSE_IGNORE_ENC;
    xmlCtxtUseOptions(ctxt, options);
    if (st->decoder != NULL) {
        /* The caller worked out the encoding (BOM, first bytes, declaration, charset): use exactly
         * that built-in decoder (it skips a matching BOM) and ignore the declaration's encoding. */
        xmlCharEncodingHandlerPtr handler = xmlFindCharEncodingHandler(st->decoder);
        if (handler == NULL || xmlSwitchToEncoding(ctxt, handler) < 0) {
            st->decoder_failed = 1;
            xmlFreeParserCtxt(ctxt);
            return NULL;
        }
    }
    ctxt->_private = st;
    xmlSAXHandlerPtr sax = ctxt->sax;
    sax->initialized = XML_SAX2_MAGIC;
    sax->internalSubset = cxml_sax_internal_subset;
    sax->externalSubset = NULL;
    sax->startElementNs = cxml_sax_start_element_ns;
    sax->processingInstruction = cxml_sax_processing_instruction;
    sax->serror = cxml_sax_structured_error;
    sax->warning = NULL;
    sax->error = NULL;
    sax->fatalError = NULL;
    xmlParseDocument(ctxt);
    xmlDocPtr doc = ctxt->myDoc;
    ctxt->myDoc = NULL;
    st->well_formed = ctxt->wellFormed && ctxt->nsWellFormed;
    ctxt->_private = NULL;
    xmlFreeParserCtxt(ctxt);
    return doc;
}

/* ------------------------------------------------------------------------------------ */
/* Tree helpers                                                                         */
/* ------------------------------------------------------------------------------------ */

static inline int cxml_is_element(const xmlNode *node) {
    return node != NULL && node->type == XML_ELEMENT_NODE;
}

/** Content of the only child when it is a text node, else NULL (no allocation). */
static inline const xmlChar *cxml_single_text_child(const xmlNode *node) {
    const xmlNode *c = node->children;
    if (c == NULL) return (const xmlChar *)"";
    if (c->next == NULL && (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE))
        return c->content != NULL ? c->content : (const xmlChar *)"";
    return NULL;
}

/** Value of an attribute node when it is a single text node (the usual case), else NULL. */
static inline const xmlChar *cxml_attr_simple_value(const xmlAttr *attr) {
    const xmlNode *c = attr->children;
    if (c == NULL) return (const xmlChar *)"";
    if (c->next == NULL && c->type == XML_TEXT_NODE)
        return c->content != NULL ? c->content : (const xmlChar *)"";
    return NULL;
}

static inline int cxml_is_xml_space(xmlChar c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/** 1 when `s`, stripped of XML whitespace at both ends, equals `want[0..<wantLen]`. */
static inline int cxml_trimmed_equals(const xmlChar *s, const char *want, size_t wantLen) {
    if (s == NULL) return 0;
    size_t n = strlen((const char *)s);
    size_t a = 0;
    while (a < n && cxml_is_xml_space(s[a])) a++;
    while (n > a && cxml_is_xml_space(s[n - 1])) n--;
    return (n - a) == wantLen && memcmp(s + a, want, wantLen) == 0;
}

/** Whether an element without element children holds exactly `want` once trimmed. */
static inline int cxml_leaf_text_equals(xmlNodePtr node, const char *want, size_t wantLen) {
    const xmlChar *simple = cxml_single_text_child(node);
    if (simple != NULL) return cxml_trimmed_equals(simple, want, wantLen);
    xmlChar *content = xmlNodeGetContent(node);
    int r = cxml_trimmed_equals(content, want, wantLen);
    cxml_free(content);
    return r;
}

/** Whether an attribute's value is exactly `want` once trimmed. */
static inline int cxml_attr_value_equals(xmlAttrPtr attr, const char *want, size_t wantLen) {
    const xmlChar *simple = cxml_attr_simple_value(attr);
    if (simple != NULL) return cxml_trimmed_equals(simple, want, wantLen);
    xmlChar *value = xmlNodeListGetString(attr->doc, attr->children, 1);
    int r = cxml_trimmed_equals(value, want, wantLen);
    cxml_free(value);
    return r;
}

static inline int cxml_has_element_child(const xmlNode *node) {
    for (const xmlNode *c = node->children; c != NULL; c = c->next)
        if (c->type == XML_ELEMENT_NODE) return 1;
    return 0;
}

/* ------------------------------------------------------------------------------------ */
/* Canonical form of a subtree (for digests), written without one allocation per node    */
/* ------------------------------------------------------------------------------------ */

/** The names that get special treatment in a canonical form: a child `skip` of a `parent`
 *  element is left out; the text of a child `fold` of a `parent` is trimmed of XML whitespace
 *  and ASCII lower-cased. */
typedef struct {
    const char *parent;
    const char *skip;
    const char *fold;
} cxml_canonical_rules;

static inline void cxml_canon_bytes(xmlBufferPtr buf, const xmlChar *s, size_t len) {
    char digits[24];
    int n = 0;
    size_t v = len;
    do { digits[n++] = (char)('0' + v % 10); v /= 10; } while (v > 0);
    char field[25];
    for (int i = 0; i < n; i++) field[i] = digits[n - 1 - i];
    field[n] = ':';
    xmlBufferAdd(buf, (const xmlChar *)field, n + 1);
    if (len > 0) xmlBufferAdd(buf, s, (int)len);
}

static inline void cxml_canon_field(xmlBufferPtr buf, const xmlChar *s) {
    if (s == NULL) s = (const xmlChar *)"";
    cxml_canon_bytes(buf, s, strlen((const char *)s));
}

static inline void cxml_canon_attribute(xmlBufferPtr buf, const xmlAttr *a) {
    xmlBufferAdd(buf, (const xmlChar *)"A", 1);
    cxml_canon_field(buf, a->ns != NULL ? a->ns->href : NULL);
    cxml_canon_field(buf, a->name);
    const xmlChar *simple = cxml_attr_simple_value(a);
    if (simple != NULL) {
        cxml_canon_field(buf, simple);
    } else {
        xmlChar *value = xmlNodeListGetString(a->doc, a->children, 1);
        cxml_canon_field(buf, value);
        cxml_free(value);
    }
}

/* Attribute order by (namespace URI, local name), bytewise (UTF-8 order = code point order). */
static inline int cxml_canon_attribute_before(const xmlAttr *x, const xmlAttr *y) {
    const char *xn = x->ns != NULL && x->ns->href != NULL ? (const char *)x->ns->href : "";
    const char *yn = y->ns != NULL && y->ns->href != NULL ? (const char *)y->ns->href : "";
    int c = strcmp(xn, yn);
    if (c != 0) return c < 0;
    return strcmp((const char *)x->name, (const char *)y->name) < 0;
}

static inline int cxml_named(const xmlNode *n, const char *name) {
    return name != NULL && n->name != NULL && strcmp((const char *)n->name, name) == 0;
}

/**
 * Appends the canonical form of `element` to `buf`: length-prefixed fields (`E` element with
 * namespace URI and local name, `A` attribute with namespace URI, local name and value, in
 * (namespace, name) order, `T` text of an element without element children, `/` end), so no
 * value can be mistaken for structure. Comments, whitespace between elements, prefixes and
 * namespace declarations do not appear. Recursion is bounded by the parser's depth limit.
 */
static void cxml_canonical_form(xmlBufferPtr buf, const xmlNode *element, int parentIsSpecial, const cxml_canonical_rules *rules) {
    if (parentIsSpecial && cxml_named(element, rules->skip)) return;
    xmlBufferAdd(buf, (const xmlChar *)"E", 1);
    cxml_canon_field(buf, element->ns != NULL ? element->ns->href : NULL);
    cxml_canon_field(buf, element->name);
    int attributes = 0;
    for (const xmlAttr *a = element->properties; a != NULL; a = a->next) attributes++;
    if (attributes > 1) {
        const xmlAttr *stackSorted[16];
        const xmlAttr **sorted = attributes <= 16 ? stackSorted : (const xmlAttr **)malloc(sizeof(xmlAttr *) * (size_t)attributes);
        if (sorted != NULL) {
            int n = 0;
            for (const xmlAttr *a = element->properties; a != NULL; a = a->next) {
                int i = n++;
                while (i > 0 && cxml_canon_attribute_before(a, sorted[i - 1])) { sorted[i] = sorted[i - 1]; i--; }
                sorted[i] = a;
            }
            for (int i = 0; i < n; i++) cxml_canon_attribute(buf, sorted[i]);
            if (sorted != stackSorted) free((void *)sorted);
        }
    } else if (attributes == 1) {
        cxml_canon_attribute(buf, element->properties);
    }
    if (cxml_has_element_child(element)) {
        int special = cxml_named(element, rules->parent);
        for (const xmlNode *c = element->children; c != NULL; c = c->next)
            if (c->type == XML_ELEMENT_NODE) cxml_canonical_form(buf, c, special, rules);
    } else {
        xmlBufferAdd(buf, (const xmlChar *)"T", 1);
        const xmlChar *simple = cxml_single_text_child(element);
        xmlChar *content = simple == NULL ? xmlNodeGetContent(element) : NULL;
        const xmlChar *text = simple != NULL ? simple : (content != NULL ? content : (const xmlChar *)"");
        if (parentIsSpecial && cxml_named(element, rules->fold)) {
            size_t start = 0, end = strlen((const char *)text);
            while (start < end && cxml_is_xml_space(text[start])) start++;
            while (end > start && cxml_is_xml_space(text[end - 1])) end--;
            xmlChar *folded = (xmlChar *)malloc(end - start + 1);
            if (folded != NULL) {
                for (size_t i = start; i < end; i++) {
                    xmlChar c = text[i];
                    folded[i - start] = (c >= 'A' && c <= 'Z') ? (xmlChar)(c + 32) : c;
                }
                cxml_canon_bytes(buf, folded, end - start);
                free(folded);
            }
        } else {
            cxml_canon_field(buf, text);
        }
        cxml_free(content);
    }
    xmlBufferAdd(buf, (const xmlChar *)"/", 1);
}

#endif /* CLIBXML2_SHIM_H */
