/* `mamori silence`: maintenance windows (静観) and the mass-incident ring. */
#ifndef MAMORI_SILENCE_CLI_H
#define MAMORI_SILENCE_CLI_H

int silence_main(int argc, char **argv);

#endif
