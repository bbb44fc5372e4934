/* The protocol dialogues, as small steps over a struct conn, each returning
 * a result code (relayd's check_tcp style). Shared by the check_* plugins
 * and the event handlers' re-verify step. */
#ifndef MAMORI_PROTO_H
#define MAMORI_PROTO_H
#include <stdbool.h>

#include "buf.h"
#include "net.h"
#include "services.h"

/* Limits on what a server may send us. */
#define PROTO_MAX_LINE 8192
#define PROTO_MAX_REPLY 65536
#define PROTO_MAX_LINES 200

/* Read one reply in the service's style into text (all its lines, '\n'
 * between). code gets the number for REPLY_CODE, else 0. tag is the IMAP
 * tag that ends a tagged reply (NULL: the greeting, one untagged line). */
enum net_result proto_read_reply(struct conn *c, enum reply_style style, const char *tag,
                                 struct buf *text, int *code);
/* Send "cmd\r\n" and read the reply. */
enum net_result proto_command(struct conn *c, const struct service *s, const char *cmd,
                              struct buf *reply, int *code);
/* Does the reply start as the service expects (greeting_ok / starttls_ok)? */
bool proto_reply_ok(const char *reply, const char *prefix);
/* Greeting of the service; a bad one is NET_PROTO_FAIL with c->detail. */
enum net_result proto_greeting(struct conn *c, const struct service *s, struct buf *greeting);
/* Send QUIT or its equivalent and read the answer, ignoring what it is. */
void proto_quit(struct conn *c, const struct service *s);
/* First line of a reply, for status lines. */
void proto_first_line(const char *text, char *out, size_t size);



/* Log in with user and password (FTP USER/PASS, POP3 USER/PASS, IMAP
 * LOGIN). A refused login is NET_PROTO_FAIL with the server's words in
 * c->detail. CR, LF and NUL in either are refused before anything is sent. */
enum net_result proto_login(struct conn *c, const struct service *s, const char *user, const char *pass);
#endif
