/* `mamori report`: runbook 004's monthly report from the engine's log and
 * mamori's audit logs (lib/report_*). */
#ifndef MAMORI_REPORT_CMD_H
#define MAMORI_REPORT_CMD_H

int report_main(int argc, char **argv);

#endif
