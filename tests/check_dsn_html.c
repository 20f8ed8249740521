/*
 * check_dsn_html - unit tests for dsn_html.c, and HTML escaping end to end
 *
 * The escape, text and check cases call dsn_html.c directly.  The check
 * cases are a table of templates with the substring their error must
 * contain.  The render cases load a config with html templates from a
 * temporary directory and build a DSN in memory whose original Subject
 * and Diagnostic-Code fields carry markup.  They run dsn_rewrite() and
 * inspect the HTML document: the markup must come out as text, and the
 * document's body must itself pass dsn_html_check().
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "dsn_config.h"
#include "dsn_html.h"
#include "dsn_parse.h"
#include "dsn_rewrite.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* dsn_html_escape */

struct text_case {
    const char *input;
    const char *expected;
};

static const struct text_case escape_cases[] = {
    {"", ""},
    {"plain text", "plain text"},
    {"&", "&amp;"},
    {"<", "&lt;"},
    {">", "&gt;"},
    {"\"", "&quot;"},
    {"'", "&#39;"},
    {"a & b < c > d \" e ' f", "a &amp; b &lt; c &gt; d &quot; e &#39; f"},
    {"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
    {"&amp;", "&amp;amp;"},
    {"Gr\xc3\xbc\xc3\x9f\x65 \xe6\x97\xa5\xe6\x9c\xac",
     "Gr\xc3\xbc\xc3\x9f\x65 \xe6\x97\xa5\xe6\x9c\xac"},
    {"line\nbreak\ttab", "line\nbreak\ttab"},
};

START_TEST(test_escape_table)
{
    const struct text_case *c = &escape_cases[_i];
    GString *out = g_string_new(NULL);

    dsn_html_escape(out, c->input);
    ck_assert_msg(strcmp(out->str, c->expected) == 0,
                  "escape \"%s\": got"
                  " \"%s\", expected \"%s\"",
                  c->input, out->str, c->expected);
    g_string_free(out, TRUE);
}
END_TEST

START_TEST(test_escape_appends)
{
    GString *out = g_string_new("<b>");

    dsn_html_escape(out, "<i>");
    ck_assert_msg(strcmp(out->str, "<b>&lt;i&gt;") == 0,
                  "escape replaced"
                  " or changed what out held: \"%s\"",
                  out->str);
    g_string_free(out, TRUE);
}
END_TEST

/* dsn_html_from_text */

static const struct text_case from_text_cases[] = {
    {"", ""},
    {"one line", "one line<br>\n"},
    {"one line\n", "one line<br>\n"},
    {"first\nsecond\n", "first<br>\nsecond<br>\n"},
    {"first\n\nthird\n", "first<br>\n<br>\nthird<br>\n"},
    {"\n", "<br>\n"},
    {"  two spaces", "&nbsp;&nbsp;two spaces<br>\n"},
    {"    diag: 550 x\n", "&nbsp;&nbsp;&nbsp;&nbsp;diag: 550 x<br>\n"},
    {"inner  spaces  stay", "inner  spaces  stay<br>\n"},
    {"trailing  ", "trailing  <br>\n"},
    {"a < b & c > d", "a &lt; b &amp; c &gt; d<br>\n"},
    {"  <script>alert(1)</script>\n",
     "&nbsp;&nbsp;&lt;script&gt;alert(1)&lt;/script&gt;<br>\n"},
    {"say \"hi\" 'there'", "say &quot;hi&quot; &#39;there&#39;<br>\n"},
};

START_TEST(test_from_text_table)
{
    const struct text_case *c = &from_text_cases[_i];
    GString *out = g_string_new(NULL);

    dsn_html_from_text(out, c->input);
    ck_assert_msg(strcmp(out->str, c->expected) == 0,
                  "from_text \"%s\":"
                  " got \"%s\", expected \"%s\"",
                  g_strescape(c->input, ""), g_strescape(out->str, ""),
                  g_strescape(c->expected, ""));
    g_string_free(out, TRUE);
}
END_TEST

/* dsn_html_check */

static const char *const check_good[] = {
    "",
    "no tags at all, & an ampersand > and a greater-than sign",
    "<p>Hello</p>",
    "<p>Hello<br>world<br/>again<br />end</p><hr>",
    "<h1>a</h1><h2>b</h2><h3>c</h3><h4>d</h4>",
    "<ul><li>one</li></ul><ol><li>two</li></ol><dl><dt>t</dt><dd>d</dd>"
    "</dl>",
    "<b>b</b><i>i</i><u>u</u><s>s</s><em>e</em><strong>s</strong>"
    "<small>s</small><sub>1</sub><sup>2</sup><code>c</code><pre>p</pre>"
    "<abbr title=\"t\">a</abbr><blockquote>q</blockquote><span>s</span>"
    "<div>d</div>",
    "<table><thead><tr><th colspan=\"2\">h</th></tr></thead><tbody><tr>"
    "<td rowspan=2 align=\"left\">x</td></tr></tbody><tfoot></tfoot>"
    "</table>",
    "<p title=\"t\" lang=\"de\" dir=\"ltr\" align=\"center\">x</p>",
    "<p title='single quotes'>x</p>",
    "<p title=\"a > b\">x</p>",
    "<div\n  title=\"spread\"\n  lang=\"en\">x</div>",
    "<a href=\"https://example.com/help\">help</a>",
    "<a href=\"http://example.com/\">x</a>",
    "<a href='mailto:postmaster@example.com'>x</a>",
    "<a href=\"mailto:${postmaster}\">${postmaster}</a>",
    "<a href=\"https://example.com/?q=${status}\" title=\"${status}\">x</a>",
    "<a href=\"HTTPS://EXAMPLE.COM/\">x</a>",
    "<a href=https://example.com/>x</a>",
    "<B>bold</B><P ALIGN=\"left\">x</P>",
    "<span>${original_subject}</span>${recipients}",
};

START_TEST(test_check_good)
{
    const char *html = check_good[_i];
    char error[256] = "";

    ck_assert_msg(dsn_html_check(html, error, sizeof(error)),
                  "rejected \"%s\": %s", html, error);
}
END_TEST

struct check_case {
    const char *html;
    const char *error; /* substring of the message */
};

static const struct check_case check_bad[] = {
    /* Tags outside the allow list. */
    {"<script>alert(1)</script>", "tag <script> is not allowed"},
    {"<p>x</p></script>", "tag <script> is not allowed"},
    {"<SCRIPT>alert(1)</SCRIPT>", "tag <script> is not allowed"},
    {"<ScRiPt>", "tag <script> is not allowed"},
    {"<style>p { color: red }</style>", "tag <style> is not allowed"},
    {"<img src=\"https://example.com/pixel.png\">", "tag <img> is not"
                                                    " allowed"},
    {"<iframe src=\"https://example.com/\"></iframe>", "tag <iframe> is not"
                                                       " allowed"},
    {"<object data=\"x\"></object>", "tag <object> is not allowed"},
    {"<embed src=\"x\">", "tag <embed> is not allowed"},
    {"<svg onload=\"alert(1)\">", "tag <svg> is not allowed"},
    {"<form action=\"https://example.com/\">", "tag <form> is not allowed"},
    {"<input name=\"x\">", "tag <input> is not allowed"},
    {"<link rel=\"stylesheet\" href=\"https://example.com/a.css\">",
     "tag <link> is not allowed"},
    {"<meta http-equiv=\"refresh\" content=\"0\">", "tag <meta> is not"
                                                    " allowed"},
    {"<base href=\"https://example.com/\">", "tag <base> is not allowed"},
    {"<p>ok</p><script>alert(1)</script>", "tag <script> is not allowed"},
    /* Tag names with digits that are not h1 to h4. */
    {"<h5>x</h5>", "tag <h5> is not allowed"},
    {"<h0>x</h0>", "tag <h0> is not allowed"},
    {"<p1>x</p1>", "tag <p1> is not allowed"},
    {"<b2>x</b2>", "tag <b2> is not allowed"},
    /* Not a tag name at all. */
    {"a < b", "tag <?> is not allowed"},
    {"< p>", "tag <?> is not allowed"},
    {"<${sender}>", "tag <?> is not allowed"},
    /* Event handlers and style attributes. */
    {"<p onclick=\"alert(1)\">x</p>", "attribute \"onclick\" is not allowed"
                                      " on <p>; event handlers run scripts"},
    {"<P ONCLICK=\"alert(1)\">x</P>", "attribute \"onclick\" is not"
                                      " allowed on <p>"},
    {"<p\tonmouseover=alert(1)>x</p>", "attribute \"onmouseover\" is not"
                                       " allowed"},
    {"<a href=\"https://example.com/\" onmouseover=\"x\">x</a>",
     "attribute \"onmouseover\" is not allowed on <a>"},
    {"<p title=\"x\"onclick=\"y\">x</p>", "attribute \"onclick\" is not"
                                          " allowed"},
    {"<div style=\"color: red\">x</div>",
     "attribute \"style\" is not"
     " allowed on <div>; style is not allowed"},
    /* Attributes allowed elsewhere, or nowhere. */
    {"<p href=\"https://example.com/\">x</p>", "attribute \"href\" is not"
                                               " allowed on <p>"},
    {"<p colspan=\"2\">x</p>", "attribute \"colspan\" is not allowed on"
                               " <p>"},
    {"<a src=\"https://example.com/\">x</a>", "attribute \"src\" is not"
                                              " allowed on <a>"},
    {"<table border=\"1\">", "attribute \"border\" is not allowed on"
                             " <table>"},
    {"<p class=\"x\">x</p>", "attribute \"class\" is not allowed on <p>"},
    /* Link targets must start with http:, https: or mailto: literally. */
    {"<a href=\"javascript:alert(1)\">x</a>",
     "link target"
     " \"javascript:alert(1)\" must start with http:, https: or mailto:"},
    {"<a href=\"JavaScript:alert(1)\">x</a>",
     "link target"
     " \"JavaScript:alert(1)\" must start with"},
    {"<a href=javascript:alert(1)>x</a>",
     "link target"
     " \"javascript:alert(1)\" must start with"},
    {"<a href=\"${postmaster}\">x</a>", "link target \"${postmaster}\""
                                        " must start with"},
    {"<a href=\"${sender}\">x</a>", "link target \"${sender}\" must start"},
    {"<a href=\" https://example.com/\">x</a>",
     "link target"
     " \" https://example.com/\" must start with"},
    {"<a href=\"data:text/html,x\">x</a>", "link target \"data:text/html,x\""
                                           " must start with"},
    {"<a href=\"//example.com/\">x</a>", "link target \"//example.com/\""
                                         " must start with"},
    {"<a href=\"https\">x</a>", "link target \"https\" must start with"},
    {"<a href=\"\">x</a>", "link target \"\" must start with"},
    {"<a href>x</a>", "link target \"\" must start with"},
    {"<a href=\"https://example.com/\" href=\"javascript:x\">x</a>",
     "link target \"javascript:x\" must start with"},
    /* Comments, doctype, processing instructions. */
    {"<!-- comment -->", "comments, doctype and \"<!\" declarations are not"
                         " allowed"},
    {"<p>x</p><!-- <script> -->", "\"<!\" declarations are not allowed"},
    {"<!DOCTYPE html>", "comments, doctype and \"<!\" declarations are not"
                        " allowed"},
    {"<![CDATA[x]]>", "\"<!\" declarations are not allowed"},
    {"<?xml version=\"1.0\"?>", "\"<?\" declarations are not allowed"},
    /* Broken tags. */
    {"<p title=\"unclosed>x</p>", "unclosed quote in <p>"},
    {"<p title='unclosed>x</p>", "unclosed quote in <p>"},
    {"<a href=\"https://example.com/>x</a>", "unclosed quote in <a>"},
    {"<p/onclick=\"alert(1)\">x</p>", "malformed tag <p>"},
    {"<p \"x\">x</p>", "malformed tag <p>"},
    {"<p ${sender}>x</p>", "malformed tag <p>"},
    {"<p title=\"x\"", "malformed tag <p>"},
};

START_TEST(test_check_bad)
{
    const struct check_case *c = &check_bad[_i];
    char error[256] = "";

    ck_assert_msg(!dsn_html_check(c->html, error, sizeof(error)),
                  "accepted \"%s\"", c->html);
    ck_assert_msg(strstr(error, c->error) != NULL,
                  "\"%s\": error is \"%s\","
                  " expected it to contain \"%s\"",
                  c->html, error, c->error);
}
END_TEST

START_TEST(test_check_small_buffer)
{
    char buffer[24];
    const size_t size = 8;

    memset(buffer, 'Z', sizeof(buffer));
    ck_assert(!dsn_html_check("<script>", buffer, size));
    ck_assert_msg(memchr(buffer, 0, size) != NULL,
                  "the error is not"
                  " terminated within its %zu bytes",
                  size);
    for (size_t i = size; i < sizeof(buffer); i++)
        ck_assert_msg(buffer[i] == 'Z',
                      "byte %zu past the error buffer"
                      " was overwritten",
                      i);
}
END_TEST

/* The check as the config loader runs it */

START_TEST(test_config_rejects_html)
{
    static const char text[] =
        "messages = ( { code = \"5.1.1\"; text = \"t\";\n"
        "  html = \"<p onclick=\\\"x()\\\">t</p>\"; } );\n"
        "layouts = {\n"
        "  failure = { subject = \"F\"; text = \"${recipients}\";\n"
        "    html = \"<script>alert(1)</script>${recipients}\"; };\n"
        "  delay = { subject = \"D\"; text = \"${recipients}\"; };\n"
        "  success = { subject = \"S\"; text = \"${recipients}\"; };\n"
        "};\n";
    GError *error = NULL;
    char *dir = g_dir_make_tmp("check_dsn_html-XXXXXX", &error);
    char *path = g_build_filename(dir, "bad.conf", NULL);
    GString *errors = g_string_new(NULL);
    struct dsn_config *config;

    ck_assert(g_file_set_contents(path, text, -1, NULL));
    config = dsn_config_load(path, errors);
    ck_assert_msg(config == NULL, "a config with unsafe html loaded");
    ck_assert_msg(strstr(errors->str,
                         "bad.conf:2: messages[0]: html:"
                         " attribute \"onclick\" is not allowed") != NULL,
                  "no error for the message's onclick:\n%s", errors->str);
    ck_assert_msg(strstr(errors->str, "bad.conf:5: layouts.failure: html:"
                                      " tag <script> is not allowed") != NULL,
                  "no error for the layout's script tag:\n%s", errors->str);
    g_unlink(path);
    g_rmdir(dir);
    g_string_free(errors, TRUE);
    g_free(path);
    g_free(dir);
}
END_TEST

/* End to end: values with markup in a rendered HTML notice */

/* Subject and diagnostics that a sender or a remote server controls. */
#define EVIL_SUBJECT "<script>alert(1)</script> & \"q\" 'a'"
#define EVIL_SUBJECT_HTML                                                     \
    "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; &#39;a&#39;"
#define EVIL_DIAG_1 "550 5.1.1 <script>alert(2)</script>"
#define EVIL_DIAG_1_HTML "550 5.1.1 &lt;script&gt;alert(2)&lt;/script&gt;"
#define EVIL_DIAG_2 "<img src=x onerror=alert(3)>"
#define EVIL_DIAG_2_HTML "&lt;img src=x onerror=alert(3)&gt;"

/* Layouts for delay and success, which these DSNs never use. */
#define OTHER_LAYOUTS                                                         \
    "  delay = { subject = \"D\"; text = \"${recipients}\"; };\n"             \
    "  success = { subject = \"S\"; text = \"${recipients}\"; };\n"

/*
 * html templates everywhere: 5.1.1 has an html message, 5.4.4 falls to
 * the default entry, whose HTML is made from its text.
 */
static const char html_config[] =
    "reporting_host = \"mx.example.net\";\n"
    "external = { format = \"html\"; };\n"
    "messages = (\n"
    "  { code = \"5.1.1\"; text = \"No such user: ${diagnostic_code}\";\n"
    "    html = \"<p>No such user: <code>${diagnostic_code}</code></p>\";"
    " },\n"
    "  { code = \"default\"; text = \"Other problem:\\n"
    "  ${diagnostic_code}\"; }\n"
    ");\n"
    "layouts = {\n"
    "  failure = {\n"
    "    subject = \"Undeliverable: ${original_subject}\";\n"
    "    text = \"Not delivered: ${original_subject}\\n${recipients}\";\n"
    "    recipient = \"${recipient}: ${message}\\n\";\n"
    "    html = \"<h1>Not delivered</h1>\"\n"
    "           \"<p title=\\\"${original_subject}\\\">Subject:"
    " <b>${original_subject}</b></p>\"\n"
    "           \"${recipients}\"\n"
    "           \"<p><a href=\\\"mailto:${postmaster}\\\">"
    "${postmaster}</a></p>\";\n"
    "    recipient_html = \"<div><b>${recipient}</b> ${message}</div>\";\n"
    "  };\n" OTHER_LAYOUTS "};\n";

/* No html templates: every piece of HTML is made from text. */
static const char text_config[] =
    "reporting_host = \"mx.example.net\";\n"
    "external = { format = \"html\"; };\n"
    "messages = (\n"
    "  { code = \"default\"; text = \"Problem: ${diagnostic_code}\"; }\n"
    ");\n"
    "layouts = {\n"
    "  failure = {\n"
    "    subject = \"Undeliverable: ${original_subject}\";\n"
    "    text = \"Subject: ${original_subject}\\n${recipients}\";\n"
    "    recipient = \"${recipient}:\\n    ${message}\\n\";\n"
    "  };\n" OTHER_LAYOUTS "};\n";

/* An attribute value without quotes that contains a variable. */
static const char unquoted_config[] =
    "external = { format = \"html\"; };\n"
    "layouts = {\n"
    "  failure = {\n"
    "    subject = \"x\"; text = \"${recipients}\";\n"
    "    html = \"<p title=${original_subject}>x</p>${recipients}\";\n"
    "  };\n" OTHER_LAYOUTS "};\n";

/*
 * A quote inside ${name?text}: the template has balanced quotes, but
 * with the variable empty the expansion has none around the script.
 */
static const char conditional_config[] =
    "external = { format = \"html\"; };\n"
    "layouts = {\n"
    "  failure = {\n"
    "    subject = \"x\"; text = \"${recipients}\";\n"
    "    html = \"${original_subject?<b title=\\\"}\"\n"
    "           \"<script>alert(1)</script>\"\n"
    "           \"${original_subject?\\\">}${recipients}\";\n"
    "  };\n" OTHER_LAYOUTS "};\n";

/* Build a DSN from this MTA to sender@example.org, with or without a
 * Subject in the returned message. */
static void build_dsn(const char *subject, struct dsn_headers *headers,
                      GString *body)
{
    dsn_headers_add(headers, "From",
                    "Mail Delivery System"
                    " <MAILER-DAEMON@mx.example.net>");
    dsn_headers_add(headers, "To", "sender@example.org");
    dsn_headers_add(headers, "Subject",
                    "Undelivered Mail Returned to"
                    " Sender");
    dsn_headers_add(headers, "MIME-Version", "1.0");
    dsn_headers_add(headers, "Content-Type",
                    "multipart/report;"
                    " report-type=delivery-status; boundary=\"BOUNDARY\"");
    g_string_append(body, "This is a MIME-encapsulated message.\n"
                          "\n"
                          "--BOUNDARY\n"
                          "Content-Description: Notification\n"
                          "Content-Type: text/plain; charset=us-ascii\n"
                          "\n"
                          "Your message could not be delivered.\n"
                          "\n"
                          "--BOUNDARY\n"
                          "Content-Description: Delivery report\n"
                          "Content-Type: message/delivery-status\n"
                          "\n"
                          "Reporting-MTA: dns; mx.example.net\n"
                          "X-Postfix-Queue-ID: 4FzQ1x2\n"
                          "\n"
                          "Final-Recipient: rfc822; nobody@example.com\n"
                          "Action: failed\n"
                          "Status: 5.1.1\n"
                          "Remote-MTA: dns; mx.example.com\n"
                          "Diagnostic-Code: smtp; " EVIL_DIAG_1 "\n"
                          "\n"
                          "Final-Recipient: rfc822; ghost@example.org\n"
                          "Action: failed\n"
                          "Status: 5.4.4\n"
                          "Diagnostic-Code: X-Postfix; " EVIL_DIAG_2 "\n"
                          "\n"
                          "--BOUNDARY\n"
                          "Content-Description: Undelivered Message\n"
                          "Content-Type: message/rfc822\n"
                          "\n"
                          "From: Alice <sender@example.org>\n"
                          "To: nobody@example.com, ghost@example.org\n");
    if (subject)
        g_string_append_printf(body, "Subject: %s\n", subject);
    g_string_append(body, "Message-ID: <m1@example.org>\n"
                          "\n"
                          "Hello.\n"
                          "--BOUNDARY--\n");
}

/* A rendered notice: its whole HTML document and the part of its body. */
struct rendered {
    char *html;
    char *body;
};

/* Write config_text to a temporary file and load it, or return NULL
 * with the errors. */
static struct dsn_config *load_config(const char *config_text, GString *errors)
{
    GError *error = NULL;
    char *dir = g_dir_make_tmp("check_dsn_html-XXXXXX", &error);
    char *path;
    struct dsn_config *config;

    ck_assert_msg(dir != NULL, "cannot create a temporary directory: %s",
                  error ? error->message : "");
    path = g_build_filename(dir, "html.conf", NULL);
    ck_assert_msg(g_file_set_contents(path, config_text, -1, NULL),
                  "cannot write %s", path);
    config = dsn_config_load(path, errors);
    g_unlink(path);
    g_rmdir(dir);
    g_free(path);
    g_free(dir);
    return (config);
}

/*
 * Return the rendered notice inside the document: the text after the
 * heading of the styled frame, up to the frame's end (caller frees).
 * The frame is the renderer's own markup, not a template's.
 */
static char *document_body(const char *html)
{
    const char *start = strstr(html, "<body");
    const char *end;

    ck_assert_msg(start != NULL, "no <body> in the document:\n%s", html);
    start = strstr(start, "</h1>\n");
    ck_assert_msg(start != NULL, "no heading in the document:\n%s", html);
    start += strlen("</h1>\n");
    end = strstr(start, "\n</div>\n</body>");
    ck_assert_msg(end != NULL, "no end of the frame in the document:\n%s",
                  html);
    return (g_strndup(start, (gsize) (end - start)));
}

/* Rewrite a DSN as an external sender's notice with config. */
static void render_html(const struct dsn_config *config, const char *subject,
                        struct rendered *out)
{
    struct dsn_headers headers = {0};
    GString *body = g_string_new(NULL);
    struct dsn_rewrite_request request = {0};
    struct dsn_rewrite_result result;

    build_dsn(subject, &headers, body);
    request.config = config;
    request.headers = &headers;
    request.body = body->str;
    request.body_len = body->len;
    request.envelope_sender = "";
    request.recipient = "<sender@example.org>";
    request.local = true;
    dsn_rewrite(&request, &result);
    ck_assert_msg(result.action == DSN_REWRITE_CHANGE,
                  "the DSN was passed"
                  " through: %s",
                  result.reason ? result.reason : "(no reason)");
    ck_assert_msg(result.audience == DSN_AUDIENCE_EXTERNAL, "the sender is"
                                                            " not external");
    ck_assert_msg(result.html != NULL, "format = \"html\" rendered no"
                                       " HTML");
    ck_assert_msg(strstr(result.part->str, "text/html") != NULL,
                  "the new"
                  " part has no text/html alternative:\n%s",
                  result.part->str);
    out->html = g_strdup(result.html->str);
    out->body = document_body(out->html);
    dsn_rewrite_free(&result);
    dsn_headers_free(&headers);
    g_string_free(body, TRUE);
}

static void rendered_free(struct rendered *r)
{
    g_free(r->html);
    g_free(r->body);
}

/* The checks that hold for every rendering of the evil DSN. */
static void assert_escaped(const struct rendered *r, const char *name)
{
    char *lower = g_ascii_strdown(r->html, -1);
    char error[256] = "";

    ck_assert_msg(strstr(lower, "<script") == NULL,
                  "%s: the document"
                  " contains a script tag:\n%s",
                  name, r->html);
    ck_assert_msg(strstr(lower, "<img") == NULL,
                  "%s: the document"
                  " contains an img tag:\n%s",
                  name, r->html);
    ck_assert_msg(strstr(r->html, "<title>Undeliverable: " EVIL_SUBJECT_HTML
                                  "</title>") != NULL,
                  "%s: the title is not the escaped subject:\n%s", name,
                  r->html);
    ck_assert_msg(strstr(r->body, EVIL_SUBJECT_HTML) != NULL,
                  "%s: the"
                  " escaped subject is not in the body:\n%s",
                  name, r->body);
    ck_assert_msg(strstr(r->body, EVIL_DIAG_1_HTML) != NULL,
                  "%s: the"
                  " escaped first diagnostic is not in the body:\n%s",
                  name, r->body);
    ck_assert_msg(strstr(r->body, EVIL_DIAG_2_HTML) != NULL,
                  "%s: the"
                  " escaped second diagnostic is not in the body:\n%s",
                  name, r->body);
    ck_assert_msg(dsn_html_check(r->body, error, sizeof(error)),
                  "%s: the"
                  " rendered body fails the template check (%s):\n%s",
                  name, error, r->body);
    g_free(lower);
}

START_TEST(test_render_html_templates)
{
    GString *errors = g_string_new(NULL);
    struct dsn_config *config = load_config(html_config, errors);
    struct rendered r;

    ck_assert_msg(config != NULL, "html config failed to load:\n%s",
                  errors->str);
    render_html(config, EVIL_SUBJECT, &r);
    assert_escaped(&r, "html templates");
    ck_assert_msg(strstr(r.body, "<p title=\"" EVIL_SUBJECT_HTML "\">") !=
                      NULL,
                  "the subject in a quoted attribute is not"
                  " escaped:\n%s",
                  r.body);
    ck_assert_msg(strstr(r.body, "<code>" EVIL_DIAG_1_HTML "</code>") != NULL,
                  "the 5.1.1 html message is not used:\n%s", r.body);
    ck_assert_msg(strstr(r.body, "<div><b>nobody@example.com</b>") != NULL,
                  "recipient_html is not used:\n%s", r.body);
    ck_assert_msg(strstr(r.body,
                         "Other problem:<br>\n&nbsp;&nbsp;" EVIL_DIAG_2_HTML
                         "<br>") != NULL,
                  "the default"
                  " entry's HTML is not made from its text:\n%s",
                  r.body);
    rendered_free(&r);
    dsn_config_free(config);
    g_string_free(errors, TRUE);
}
END_TEST

START_TEST(test_render_from_text)
{
    GString *errors = g_string_new(NULL);
    struct dsn_config *config = load_config(text_config, errors);
    struct rendered r;

    ck_assert_msg(config != NULL, "text config failed to load:\n%s",
                  errors->str);
    render_html(config, EVIL_SUBJECT, &r);
    assert_escaped(&r, "text only");
    ck_assert_msg(strstr(r.body, "Subject: " EVIL_SUBJECT_HTML "<br>\n") !=
                      NULL,
                  "the layout text is not turned into HTML:\n%s", r.body);
    ck_assert_msg(strstr(r.body,
                         "&nbsp;&nbsp;&nbsp;&nbsp;Problem: " EVIL_DIAG_1_HTML
                         "<br>") != NULL,
                  "the indented"
                  " message line is not kept:\n%s",
                  r.body);
    rendered_free(&r);
    dsn_config_free(config);
    g_string_free(errors, TRUE);
}
END_TEST

/*
 * A template that the check accepts must not let a value add attributes
 * or tags: either the loader rejects it, or the rendered body still
 * passes the check.
 */
static void assert_template_safe(const char *config_text, const char *name,
                                 const char *subject)
{
    GString *errors = g_string_new(NULL);
    struct dsn_config *config = load_config(config_text, errors);
    struct rendered r;
    char error[256] = "";

    if (config == NULL) {
        ck_assert_msg(strstr(errors->str, "html:") != NULL,
                      "%s: the config"
                      " failed to load, but not for its html:\n%s",
                      name, errors->str);
        g_string_free(errors, TRUE);
        return;
    }
    render_html(config, subject, &r);
    ck_assert_msg(dsn_html_check(r.body, error, sizeof(error)),
                  "%s: the"
                  " template passed the check, but with subject \"%s\" the"
                  " rendered body does not (%s):\n%s",
                  name, subject ? subject : "(none)", error, r.body);
    rendered_free(&r);
    dsn_config_free(config);
    g_string_free(errors, TRUE);
}

START_TEST(test_render_unquoted_attribute)
{
    assert_template_safe(unquoted_config, "unquoted attribute",
                         "x onmouseover=alert(1)");
}
END_TEST

START_TEST(test_render_conditional_quote)
{
    assert_template_safe(conditional_config, "quote inside ${name?text}",
                         NULL);
}
END_TEST

static Suite *dsn_html_suite(void)
{
    Suite *suite = suite_create("dsn_html");
    TCase *escape = tcase_create("escape");
    TCase *check = tcase_create("check");
    TCase *render = tcase_create("render");

    tcase_add_loop_test(escape, test_escape_table, 0,
                        ARRAY_SIZE(escape_cases));
    tcase_add_test(escape, test_escape_appends);
    tcase_add_loop_test(escape, test_from_text_table, 0,
                        ARRAY_SIZE(from_text_cases));
    suite_add_tcase(suite, escape);

    tcase_add_loop_test(check, test_check_good, 0, ARRAY_SIZE(check_good));
    tcase_add_loop_test(check, test_check_bad, 0, ARRAY_SIZE(check_bad));
    tcase_add_test(check, test_check_small_buffer);
    tcase_add_test(check, test_config_rejects_html);
    suite_add_tcase(suite, check);

    tcase_add_test(render, test_render_html_templates);
    tcase_add_test(render, test_render_from_text);
    tcase_add_test(render, test_render_unquoted_attribute);
    tcase_add_test(render, test_render_conditional_quote);
    suite_add_tcase(suite, render);
    return (suite);
}

int main(void)
{
    SRunner *runner = srunner_create(dsn_html_suite());
    int failed;

    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
