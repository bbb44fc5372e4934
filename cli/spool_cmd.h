/* mamori spool: list, flush, show and drop the notifiers' spooled messages. */
#ifndef MAMORI_SPOOL_CMD_H
#define MAMORI_SPOOL_CMD_H

int spool_main(int argc, char **argv);

#endif
