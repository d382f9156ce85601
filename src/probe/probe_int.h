/* Probe internals shared by src/probe.c and the files of src/probe/: what
 * a matcher sees, the byte-scanning helpers (probe_util.c), the payloads
 * of the protocol probes (probe_payload.c) and the matchers of each
 * protocol family (probe_text.c, probe_binary.c). Not for other modules:
 * they use probe.h. */
#ifndef SB_PROBE_INT_H
#define SB_PROBE_INT_H
#include <stddef.h>
#include <stdint.h>
#include "probe.h"

/* What a matcher sees: one probe's exchange. A matcher must be safe on
 * any prefix of a reply and read nothing past recv[recv_len). */
struct probe_obs {
	const char		*probe;
	const unsigned char	*sent, *recv;
	size_t			 sent_len, recv_len;
	int			 peer_closed;
};

/* A matcher: PROBE_NONE, or the confidence with m filled by probe_set. */
typedef enum probe_conf probe_matcher_fn(const struct probe_obs *,
    struct probe_match *);

/* Fill m with protocol, codec name and a printf-style detail; returns conf. */
enum probe_conf probe_set(struct probe_match *m, enum probe_conf conf,
    const char *protocol, const char *codec, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Copy the first line of p[0..n) as escaped text into out. */
void probe_first_line(const unsigned char *p, size_t n, char *out,
    size_t outlen);
/* Copy printable bytes of p[0..n) up to one of stops into out. */
void probe_word(const unsigned char *p, size_t n, const char *stops,
    char *out, size_t outlen);
/* 1 if p[0..n) starts with the string s. */
int probe_starts(const unsigned char *p, size_t n, const char *s);
/* Where s occurs (ASCII case-insensitively) in the first line of p[0..n),
 * or NULL. */
const unsigned char *probe_in_line(const unsigned char *p, size_t n,
    const char *s);
/* Split "Name/1.2.3 rest" at sep into m->product and m->version. */
void probe_product(struct probe_match *m, const unsigned char *p, size_t n,
    char sep);
/* Where the string s occurs anywhere in p[0..n), or NULL. */
const unsigned char *probe_find(const unsigned char *p, size_t n,
    const char *s);
/* Big-endian 16- and 32-bit numbers at p (the caller checks the bounds). */
unsigned probe_be16(const unsigned char *p);
uint32_t probe_be32(const unsigned char *p);
/* Little-endian 32-bit number at p. */
uint32_t probe_le32(const unsigned char *p);
/* Copy the JSON string value of "key" in the text p[0..n) into out
 * (no unescaping, printable bytes only); 1 if found. */
int probe_json_str(const unsigned char *p, size_t n, const char *key,
    char *out, size_t outlen);

/* Payload builders of the protocol probes (probe_payload.c): each writes
 * at most outlen bytes for host into out and returns the length; done
 * functions return 1 when p[0..n) is a whole reply. Sources: the RFC or
 * protocol document named above each one. */
size_t probe_build_postgres(const char *host, unsigned char *out,
    size_t outlen);
size_t probe_build_mqtt(const char *host, unsigned char *out, size_t outlen);
size_t probe_build_amqp(const char *host, unsigned char *out, size_t outlen);
size_t probe_build_ldap(const char *host, unsigned char *out, size_t outlen);
size_t probe_build_dns(const char *host, unsigned char *out, size_t outlen);
size_t probe_build_gearman(const char *host, unsigned char *out,
    size_t outlen);
size_t probe_build_stats(const char *host, unsigned char *out, size_t outlen);
size_t probe_build_xmpp(const char *host, unsigned char *out, size_t outlen);
size_t probe_build_git(const char *host, unsigned char *out, size_t outlen);
size_t probe_build_stomp(const char *host, unsigned char *out, size_t outlen);
size_t probe_build_zookeeper(const char *host, unsigned char *out,
    size_t outlen);
size_t probe_build_mongodb(const char *host, unsigned char *out,
    size_t outlen);
size_t probe_build_kafka(const char *host, unsigned char *out, size_t outlen);
size_t probe_build_rdp(const char *host, unsigned char *out, size_t outlen);
size_t probe_build_sip(const char *host, unsigned char *out, size_t outlen);
size_t probe_build_websocket(const char *host, unsigned char *out,
    size_t outlen);
size_t probe_build_http2(const char *host, unsigned char *out, size_t outlen);
/* Follow-ups sent after the greeting: SMTP EHLO (RFC 5321), IMAP
 * CAPABILITY (RFC 3501), POP3 CAPA (RFC 2449), FTP FEAT (RFC 2389), each
 * followed by the protocol's QUIT or LOGOUT. */
size_t probe_build_smtp_ehlo(const char *host, unsigned char *out,
    size_t outlen);
size_t probe_build_imap_capa(const char *host, unsigned char *out,
    size_t outlen);
size_t probe_build_pop3_capa(const char *host, unsigned char *out,
    size_t outlen);
size_t probe_build_ftp_feat(const char *host, unsigned char *out,
    size_t outlen);
int probe_done_postgres(const unsigned char *p, size_t n);
int probe_done_mqtt(const unsigned char *p, size_t n);
int probe_done_amqp(const unsigned char *p, size_t n);
int probe_done_ber(const unsigned char *p, size_t n);
int probe_done_dns(const unsigned char *p, size_t n);
int probe_done_gearman(const unsigned char *p, size_t n);
int probe_done_mongodb(const unsigned char *p, size_t n);
int probe_done_kafka(const unsigned char *p, size_t n);
int probe_done_tpkt(const unsigned char *p, size_t n);
int probe_done_head(const unsigned char *p, size_t n);
int probe_done_stomp(const unsigned char *p, size_t n);
int probe_done_http2(const unsigned char *p, size_t n);
int probe_done_stats(const unsigned char *p, size_t n);

/* The banner probe's whole-reply rule (src/probe.c): a line end that
 * does not continue ("220-"), or a whole MySQL greeting. */
int probe_done_banner(const unsigned char *p, size_t n);

/* Request ids the binary probes carry, so a reply that quotes them back
 * is told from an echo: DNS id, MongoDB requestID, Kafka correlation id. */
#define PROBE_DNS_ID		0x5342u
#define PROBE_MONGO_REQID	0x53420001u
#define PROBE_KAFKA_CORR	0x53420002u
/* RFC 6455 section 1.3's sample key and the accept value it must give. */
#define PROBE_WS_KEY		"dGhlIHNhbXBsZSBub25jZQ=="
#define PROBE_WS_ACCEPT		"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

/* Text-protocol matchers (probe_text.c). */
probe_matcher_fn probe_m_rsync, probe_m_nats, probe_m_irc, probe_m_xmpp,
    probe_m_beanstalkd, probe_m_gearman_text, probe_m_stomp, probe_m_sip,
    probe_m_zookeeper, probe_m_vnc, probe_m_chargen, probe_m_daytime,
    probe_m_git, probe_m_websocket;
/* Binary-protocol matchers (probe_binary.c). */
probe_matcher_fn probe_m_mysql, probe_m_postgres, probe_m_mqtt,
    probe_m_amqp, probe_m_ldap, probe_m_dns, probe_m_gearman,
    probe_m_mongodb, probe_m_kafka, probe_m_rdp, probe_m_http2;

#endif
