/* `mamori mail2alert`: alert mails of other tools to passive results. */
#ifndef MAMORI_MAIL2ALERT_CLI_H
#define MAMORI_MAIL2ALERT_CLI_H

int mail2alert_main(int argc, char **argv);

#endif
