/* cmd_cat.c - rempart cat: print repository objects, decrypted (debugging). */
#include "cli.h"

#include "engine/blobread.h"
#include "format/indexfile.h"
#include "format/tree.h"
#include "util/hex.h"
#include "util/json.h"

#include <stdlib.h>
#include <string.h>

static const char *usage_text =
	"usage: rempart cat config | key ID | index ID | snapshot ID | lock ID | pack ID | tree ID | blob ID";

static void print_buf(const rp_buf *b)
{
	fwrite(b->data, 1, b->len, stdout);
	if (!b->len || b->data[b->len - 1] != '\n')
		putchar('\n');
}

/* Resolves a unique prefix among the ids of dir. */
static int resolve(rp_session *s, const char *dir, const char *prefix, char out[65], rp_err *e)
{
	char(*ids)[65] = NULL;
	size_t n = 0, hits = 0;
	int rc = strcmp(dir, "data") ? rp_repo_list_ids(s->repo, dir, &ids, &n, e) : 0;
	if (!strcmp(dir, "data")) {
		/* packs: list recursively */
		rc = rp_repo_list_ids(s->repo, "data", &ids, &n, e);
	}
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++)
		if (!strncmp(ids[i], prefix, strlen(prefix))) {
			memcpy(out, ids[i], 65);
			hits++;
		}
	free(ids);
	if (hits == 1)
		return 0;
	return rp_err_set(e, hits ? RP_EINVAL : RP_ENOTFOUND, "%s '%s' in %s/", hits ? "ambiguous id" : "no object", prefix,
			  dir);
}

typedef struct idx_json {
	rp_jw *w;
	int in_pack;
} idx_json;

static int ij_pack(void *ctx, const rp_id *pack, const uint8_t eph[32], size_t n)
{
	idx_json *j = ctx;
	char hex[65];
	if (j->in_pack) {
		rp_jw_arr_end(j->w);
		rp_jw_obj_end(j->w);
	}
	rp_hex_encode(hex, pack->b, 32);
	rp_jw_obj_begin(j->w);
	rp_jw_key(j->w, "pack"), rp_jw_str(j->w, hex);
	rp_jw_key(j->w, "count"), rp_jw_uint(j->w, n);
	rp_jw_key(j->w, "blobs"), rp_jw_arr_begin(j->w);
	j->in_pack = 1;
	(void)eph;
	return 0;
}

static void blob_json(rp_jw *w, const rp_pack_entry *x)
{
	char hex[65];
	rp_hex_encode(hex, x->id.b, 32);
	rp_jw_obj_begin(w);
	rp_jw_key(w, "id"), rp_jw_str(w, hex);
	rp_jw_key(w, "type"), rp_jw_str(w, x->type == RP_BLOB_TREE ? "tree" : "data");
	rp_jw_key(w, "offset"), rp_jw_uint(w, x->offset);
	rp_jw_key(w, "length"), rp_jw_uint(w, x->sealed_len);
	rp_jw_key(w, "raw_length"), rp_jw_uint(w, x->raw_len);
	rp_jw_key(w, "compressed"), rp_jw_bool(w, x->flags & RP_BLOB_FLAG_ZSTD);
	rp_jw_obj_end(w);
}

static int ij_blob(void *ctx, const rp_pack_entry *x)
{
	blob_json(((idx_json *)ctx)->w, x);
	return 0;
}

static int cat_index(rp_session *s, rp_blob_codec *c, const char *id, rp_buf *out, rp_err *e)
{
	rp_buf body = {0};
	int rc = rp_repo_load(s->repo, c, RP_SF_INDEX, id, &body, e);
	if (!rc) {
		rp_jw w;
		idx_json j = {&w, 0};
		rp_jw_init(&w, out, 1);
		rp_jw_arr_begin(&w);
		rp_indexfile_visitor v = {&j, NULL, ij_pack, ij_blob};
		rc = rp_indexfile_decode(body.data, body.len, &v, e);
		if (j.in_pack) {
			rp_jw_arr_end(&w);
			rp_jw_obj_end(&w);
		}
		rp_jw_arr_end(&w);
	}
	rp_buf_free(&body);
	return rc;
}

static int cat_tree(rp_session *s, const rp_id *id, rp_buf *out, rp_err *e)
{
	rp_blob_reader *br = NULL;
	const uint8_t *data;
	size_t n;
	int rc = rp_blob_reader_new(&br, s->repo, s->idx, e);
	if (!rc)
		rc = rp_blob_read(br, id, RP_BLOB_TREE, &data, &n, e);
	if (!rc) {
		rp_tree_iter it;
		rp_node node;
		rp_jw w;
		rp_jw_init(&w, out, 1);
		rp_jw_arr_begin(&w);
		rc = rp_tree_iter_init(&it, data, n, e);
		int more = rc ? 0 : rp_tree_next(&it, &node, e);
		for (; more == 1; more = rp_tree_next(&it, &node, e)) {
			char hex[65];
			rp_jw_obj_begin(&w);
			rp_jw_key(&w, "name"), rp_jw_strn(&w, (const char *)node.name.p, node.name.n);
			rp_jw_key(&w, "type"), rp_jw_uint(&w, node.type);
			rp_jw_key(&w, "mode"), rp_jw_uint(&w, node.mode);
			rp_jw_key(&w, "uid"), rp_jw_uint(&w, node.uid);
			rp_jw_key(&w, "gid"), rp_jw_uint(&w, node.gid);
			rp_jw_key(&w, "size"), rp_jw_uint(&w, node.size);
			rp_jw_key(&w, "mtime_s"), rp_jw_int(&w, node.mtime_s);
			rp_jw_key(&w, "mtime_ns"), rp_jw_uint(&w, node.mtime_ns);
			if (node.link_group)
				rp_jw_key(&w, "link_group"), rp_jw_uint(&w, node.link_group);
			rp_jw_key(&w, "content"), rp_jw_arr_begin(&w);
			for (size_t i = 0; i < rp_content_count(&node); i++) {
				rp_id cid;
				uint64_t len;
				int hole;
				rp_content_item(&node, i, &cid, &len, &hole);
				rp_hex_encode(hex, cid.b, 32);
				rp_jw_obj_begin(&w);
				rp_jw_key(&w, hole ? "hole" : "blob"), hole ? rp_jw_uint(&w, len) : rp_jw_str(&w, hex);
				if (!hole)
					rp_jw_key(&w, "length"), rp_jw_uint(&w, len);
				rp_jw_obj_end(&w);
			}
			rp_jw_arr_end(&w);
			if (node.content_parts.n) {
				rp_jw_key(&w, "content_parts"), rp_jw_arr_begin(&w);
				for (size_t i = 0; i < node.content_parts.n / RP_CONTENT_ITEM_BYTES; i++) {
					const uint8_t *pe = node.content_parts.p + i * RP_CONTENT_ITEM_BYTES;
					rp_hex_encode(hex, pe, 32);
					rp_jw_obj_begin(&w);
					rp_jw_key(&w, "part"), rp_jw_str(&w, hex);
					rp_jw_key(&w, "length"), rp_jw_uint(&w, rp_load_u64le(pe + RP_ID_BYTES));
					rp_jw_obj_end(&w);
				}
				rp_jw_arr_end(&w);
			}
			rp_jw_key(&w, "subtrees"), rp_jw_arr_begin(&w);
			for (size_t i = 0; i < node.subtrees.n / RP_ID_BYTES; i++) {
				rp_hex_encode(hex, node.subtrees.p + i * RP_ID_BYTES, 32);
				rp_jw_str(&w, hex);
			}
			rp_jw_arr_end(&w);
			rp_jw_obj_end(&w);
		}
		if (!rc && more < 0)
			rc = more;
		if (rc == 0)
			rp_jw_arr_end(&w);
	}
	rp_blob_reader_free(br);
	return rc;
}

static int cat_pack(rp_session *s, const char *id, rp_buf *out, rp_err *e)
{
	char name[RP_NAME_BYTES];
	rp_buf hdr = {0}, tail = {0};
	rp_aead *a = NULL;
	rp_pack_entry *ents = NULL;
	size_t n = 0;
	uint64_t size;
	uint8_t eph[32], key[32];
	uint32_t tlen;
	snprintf(name, sizeof name, "data/%.2s/%s", id, id);
	int rc = rp_store_stat(s->repo->store, name, &size, e);
	if (!rc)
		rc = rp_store_get(s->repo->store, name, 0, RP_PACK_HEADER_BYTES, &hdr, e);
	if (!rc)
		rc = rp_pack_header_decode(hdr.data, hdr.len, eph, e);
	if (!rc)
		rc = rp_store_get(s->repo->store, name, size - 4, 4, &tail, e);
	if (!rc)
		rc = rp_pack_trailer_len(tail.data, size, &tlen, e);
	rp_buf_reset(&tail);
	if (!rc)
		rc = rp_store_get(s->repo->store, name, size - 4 - tlen, tlen, &tail, e);
	if (!rc && !rp_repo_can_read(s->repo))
		rc = rp_err_set(e, RP_EPERM, "a backup-only key cannot read packs");
	if (!rc)
		rc = rp_seal_key_open(s->repo->mk.data_sk, s->repo->mk.data_pk, eph, key, e);
	if (!rc)
		rc = rp_aead_new(&a, e);
	if (!rc)
		rc = rp_pack_trailer_decode(a, key, hdr.data, tail.data, tlen, size - 4 - tlen, &ents, &n, e);
	if (!rc) {
		rp_jw w;
		rp_jw_init(&w, out, 1);
		rp_jw_arr_begin(&w);
		for (size_t i = 0; i < n; i++)
			blob_json(&w, &ents[i]);
		rp_jw_arr_end(&w);
	}
	free(ents);
	rp_aead_free(a);
	rp_buf_free(&hdr);
	rp_buf_free(&tail);
	return rc;
}

int cmd_cat(rp_cli *cli, int argc, char **argv)
{
	if (argc < 2 || argc > 3 || (argc == 2 && strcmp(argv[1], "config")))
		return rp_cli_usage("cat", "%s", usage_text);
	const char *what = argv[1];
	int need_index = !strcmp(what, "tree") || !strcmp(what, "blob");
	rp_session s;
	rp_err e;
	rp_buf out = {0};
	rp_blob_codec *c = NULL;
	char id[65];
	int rc = rp_session_open(cli, &s, RP_OPEN_NOLOCK, need_index, &e);
	if (rc)
		return rp_cli_fail(cli, &e);
	if ((rc = rp_blob_codec_new(&c, 3, &e)))
		goto done;
	if (!strcmp(what, "config")) {
		rc = rp_config_encode(&s.repo->cfg, &out, &e);
	} else if (!strcmp(what, "key")) {
		char name[RP_NAME_BYTES];
		if (!(rc = resolve(&s, "keys", argv[2], id, &e))) {
			rp_repo_name(name, "keys", id);
			rc = rp_store_get(s.repo->store, name, 0, 0, &out, &e);
		}
	} else if (!strcmp(what, "snapshot")) {
		if (!(rc = resolve(&s, "snapshots", argv[2], id, &e)))
			rc = rp_repo_load(s.repo, c, RP_SF_SNAPSHOT, id, &out, &e);
	} else if (!strcmp(what, "lock")) {
		if (!(rc = resolve(&s, "locks", argv[2], id, &e)))
			rc = rp_repo_load(s.repo, c, RP_SF_LOCK, id, &out, &e);
	} else if (!strcmp(what, "index")) {
		if (!(rc = resolve(&s, "index", argv[2], id, &e)))
			rc = cat_index(&s, c, id, &out, &e);
	} else if (!strcmp(what, "pack")) {
		if (!(rc = resolve(&s, "data", argv[2], id, &e)))
			rc = cat_pack(&s, id, &out, &e);
	} else if (!strcmp(what, "tree") || !strcmp(what, "blob")) {
		rp_id bid;
		if (strlen(argv[2]) != 64 || rp_hex_decode(bid.b, 32, argv[2], 64)) {
			rc = rp_err_set(&e, RP_EINVAL, "give the full 64-digit blob id");
		} else if (!strcmp(what, "tree")) {
			rc = cat_tree(&s, &bid, &out, &e);
		} else {
			rp_blob_reader *br = NULL;
			const uint8_t *data;
			size_t n;
			if (!(rc = rp_blob_reader_new(&br, s.repo, s.idx, &e)) &&
			    !(rc = rp_blob_read(br, &bid, RP_BLOB_DATA, &data, &n, &e)))
				fwrite(data, 1, n, stdout);
			rp_blob_reader_free(br);
			goto done;
		}
	} else {
		rc = rp_err_set(&e, RP_EINVAL, "%s", usage_text);
	}
	if (!rc)
		print_buf(&out);
done:
	rp_buf_free(&out);
	rp_blob_codec_free(c);
	rp_session_close(&s);
	return rc ? rp_cli_fail(cli, &e) : 0;
}
