/* The channels a spooled message is resent through (see channels.h):
 * adding a channel is adding a row. */
#include "channels.h"

#include <string.h>

#include "chat_send.h"
#include "mail_smtp.h"

const struct channel channels[] = {
	{ "mail", mail_send_spooled, mail_send_done },
	{ "chat", chat_send_spooled, chat_send_done },
	{ NULL, NULL, NULL },
};

const struct channel *channel_find(const char *name)
{
	for (const struct channel *c = channels; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}
