/* Parsing the control socket's command lines (control.h): pure, no
 * sockets, so the fuzzer and the unit tests call it directly. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "control.h"

int
control_parse(const char *line, size_t n, struct control_cmd *out,
    char *err, size_t errlen)
{
	char buf[CONTROL_LINE_MAX], *arg, *end;
	size_t i;

	memset(out, 0, sizeof(*out));
	while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' ||
	    line[n - 1] == '\t'))
		n--;
	while (n > 0 && (*line == ' ' || *line == '\t')) {
		line++;
		n--;
	}
	if (n >= sizeof(buf)) {
		snprintf(err, errlen, "command longer than %d bytes",
		    CONTROL_LINE_MAX - 1);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (line[i] == '\0' || (iscntrl((unsigned char)line[i]) &&
		    line[i] != '\t')) {
			snprintf(err, errlen, "control character in the "
			    "command");
			return -1;
		}
	memcpy(buf, line, n);
	buf[n] = '\0';
	arg = strpbrk(buf, " \t");
	if (arg != NULL) {
		*arg++ = '\0';
		while (*arg == ' ' || *arg == '\t')
			arg++;
	}
	if (strcmp(buf, "add") == 0) {
		out->verb = CONTROL_ADD;
		if (arg == NULL || *arg == '\0') {
			snprintf(err, errlen, "add: expected a fault such as "
			    "downstream:latency=50ms");
			return -1;
		}
		return fault_parse(arg, &out->spec, err, errlen);
	}
	if (strcmp(buf, "remove") == 0) {
		unsigned long id;

		out->verb = CONTROL_REMOVE;
		if (arg == NULL || !isdigit((unsigned char)*arg) ||
		    (id = strtoul(arg, &end, 10)) == 0 || *end != '\0' ||
		    id > UINT32_MAX) {
			snprintf(err, errlen, "remove: expected a fault id "
			    "(a number 'list' shows)");
			return -1;
		}
		out->id = (uint32_t)id;
		return 0;
	}
	if (arg != NULL && *arg != '\0') {
		snprintf(err, errlen, "%.20s takes no argument", buf);
		return -1;
	}
	if (strcmp(buf, "list") == 0)
		out->verb = CONTROL_LIST;
	else if (strcmp(buf, "stats") == 0)
		out->verb = CONTROL_STATS;
	else if (strcmp(buf, "help") == 0)
		out->verb = CONTROL_HELP;
	else {
		snprintf(err, errlen, "unknown command '%.40s' (add, remove, "
		    "list, stats, help)", buf);
		return -1;
	}
	return 0;
}
