/* Internal to the services: per-connection service state. */
#ifndef SB_SVC_H
#define SB_SVC_H
#include <stdint.h>
#include "service.h"

struct conn;

/* One per server connection; made by svc_new, freed by svc_free from the
 * service's on_close. */
struct svc_conn {
	const struct service_cfg *cfg;
	int		 stage;		/* file service: where in the exchange */
	int		 fd;		/* file service: file being sent */
	uint64_t	 left;		/* file service: bytes still to send */
};

/* Allocate the per-connection state for a service connection. */
struct svc_conn *svc_new(const struct service_cfg *cfg);
/* on_close for every service: release the per-connection state. */
void svc_free(struct conn *c);

#endif
