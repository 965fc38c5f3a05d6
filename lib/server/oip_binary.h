/* The Open Inference Protocol's binary tensor extension, as Triton
 * documents it (protocol/extension_binary_data.md): a request body is a
 * JSON header of Inference-Header-Content-Length bytes, then the bytes
 * of each input whose parameters give "binary_data_size", in order,
 * row-major, little-endian; BYTES elements each a 4-byte little-endian
 * length and the bytes. Outputs asked for with "binary_data": true (or
 * every output with the request's "binary_data_output": true) are
 * answered the same way. */
#ifndef MLOPS_SERVER_OIP_BINARY_H
#define MLOPS_SERVER_OIP_BINARY_H

#include <jansson.h>
#include <stddef.h>

#include "../core/strbuf.h"
#include "../data/table.h"

struct oip_binary {
	const char *header_length; /* the request's header; NULL: JSON */
	struct strbuf out;         /* the answer's binary part */
	const unsigned char *data; /* the request's binary part */
	size_t len, used;
	size_t body_len;           /* the whole body's */
	char *texts;               /* BYTES elements, NUL-terminated */
	size_t ntexts;
};

/* The JSON part of body: 0 and *json_len, or 400 when the header is not
 * a length within the body. */
unsigned oip_binary_split(struct oip_binary *b, const char *body, size_t len,
			  size_t *json_len, json_t **out);
/* Tensor t's binary data as n cells: 0; 1 when t has none ("data"
 * then); 400 when its size, datatype or elements do not fit n. */
unsigned oip_binary_cells(struct oip_binary *b, const json_t *t, size_t n,
			  struct cell *cells, json_t **out);
/* The outputs req wants in binary: their "data" moved into b->out, with
 * "binary_data_size" in their parameters. */
void oip_binary_outputs(struct oip_binary *b, const json_t *req,
			json_t *outputs);
void oip_binary_release(struct oip_binary *b);

#endif
