/* embed.h — text files compiled into the binary (schema migrations, the
 * report queries of sql/queries.sql), looked up by their source path. */
#ifndef TF_EMBED_H
#define TF_EMBED_H

const char *tf_embedded(const char *path); /* NULL when absent */
const char *tf_embedded_name(int i);       /* i-th path, NULL past the end; sorted */

#endif
