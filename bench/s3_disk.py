#!/usr/bin/env python3
"""A small S3-compatible endpoint that keeps objects as files and streams every body: for the
one bench row that moves a 5 GiB blob through S3 (workload 14).

Why not moto there: moto keeps an object in Python memory to complete a multipart upload,
to copy it and to answer a GET (about 4× the object size at peak: ~20 GiB for 5 GiB), more
than the shared 24 GiB machine has to spare. What this row measures is nora's memory, so the
store only has to speak the operations nora uses, correctly and without buffering:
PUT (with `If-None-Match: *`), CopyObject, the multipart calls (UploadPart, UploadPartCopy,
Complete, Abort, ListMultipartUploads), HEAD, GET with `Range`, DELETE, ListObjectsV2 and
CreateBucket, path-style. Signatures are accepted without checking (moto checks them in
every other S3 row). Stdlib only.

    python3 bench/s3_disk.py PORT FOLDER
"""

import hashlib
import html
import http.server
import os
import re
import shutil
import sys
import time
import urllib.parse
import uuid
from email.utils import formatdate

CHUNK = 1 << 20


class Store:
    def __init__(self, root):
        self.root = root

    def bucket(self, b):
        return os.path.join(self.root, urllib.parse.quote(b, safe=""))

    def obj(self, b, key):
        return os.path.join(self.bucket(b), "objects", urllib.parse.quote(key, safe=""))

    def upload(self, b, uid):
        return os.path.join(self.bucket(b), "uploads", uid)

    def tmp(self, b):
        d = os.path.join(self.bucket(b), "tmp")
        os.makedirs(d, exist_ok=True)
        return os.path.join(d, uuid.uuid4().hex)


def xml(tag, inner):
    return f'<?xml version="1.0" encoding="UTF-8"?><{tag}>{inner}</{tag}>'.encode()


def esc(text):
    return html.escape(str(text), quote=True)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    store = None

    def log_message(self, *args):  # quiet
        pass

    # ---- plumbing

    def reply(self, status, body=b"", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def error(self, status, code):
        self.reply(status, xml("Error", f"<Code>{code}</Code><Message>{code}</Message>"),
                   {"Content-Type": "application/xml"})

    def body_to(self, path):
        """Streams the request body into path; returns its MD5 hex."""
        left = int(self.headers.get("Content-Length") or 0)
        md5 = hashlib.md5()
        with open(path, "wb") as f:
            while left > 0:
                data = self.rfile.read(min(CHUNK, left))
                if not data:
                    raise ConnectionError("short body")
                md5.update(data)
                f.write(data)
                left -= len(data)
        return md5.hexdigest()

    def body_text(self):
        return self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()

    def route(self):
        parts = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
        path = urllib.parse.unquote(parts.path).lstrip("/")
        bucket, _, key = path.partition("/")
        return bucket, key, {k: v[0] for k, v in q.items()}

    def copy_source(self):
        src = urllib.parse.unquote(self.headers["x-amz-copy-source"]).lstrip("/")
        b, _, k = src.partition("/")
        return self.store.obj(b, k)

    # ---- verbs

    def do_PUT(self):
        b, key, q = self.route()
        s = self.store
        if not key:
            os.makedirs(os.path.join(s.bucket(b), "objects"), exist_ok=True)
            os.makedirs(os.path.join(s.bucket(b), "uploads"), exist_ok=True)
            return self.reply(200)
        if not os.path.isdir(s.bucket(b)):
            return self.error(404, "NoSuchBucket")
        if "uploadId" in q:  # UploadPart / UploadPartCopy
            d = s.upload(b, q["uploadId"])
            if not os.path.isdir(d):
                return self.error(404, "NoSuchUpload")
            part = os.path.join(d, f"{int(q['partNumber']):05d}")
            if "x-amz-copy-source" in self.headers:
                m = re.match(r"bytes=(\d+)-(\d+)", self.headers.get("x-amz-copy-source-range", ""))
                etag = copy_range(self.copy_source(), part + ".tmp", int(m.group(1)), int(m.group(2)))
                os.replace(part + ".tmp", part)
                return self.reply(200, xml("CopyPartResult", f"<ETag>&quot;{etag}&quot;</ETag>"),
                                  {"Content-Type": "application/xml"})
            etag = self.body_to(part + ".tmp")
            os.replace(part + ".tmp", part)
            return self.reply(200, headers={"ETag": f'"{etag}"'})
        target = s.obj(b, key)
        if self.headers.get("If-None-Match") == "*" and os.path.exists(target):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            return self.error(412, "PreconditionFailed")
        tmp = s.tmp(b)
        if "x-amz-copy-source" in self.headers:  # CopyObject
            src = self.copy_source()
            if not os.path.exists(src):
                return self.error(404, "NoSuchKey")
            shutil.copyfile(src, tmp)  # copy_file_range / sendfile: no bytes through Python
            os.replace(tmp, target)
            return self.reply(200, xml("CopyObjectResult", f"<ETag>&quot;{uuid.uuid4().hex}&quot;</ETag>"),
                              {"Content-Type": "application/xml"})
        etag = self.body_to(tmp)
        os.replace(tmp, target)
        self.reply(200, headers={"ETag": f'"{etag}"'})

    def do_POST(self):
        b, key, q = self.route()
        s = self.store
        if "uploads" in q:  # CreateMultipartUpload
            uid = uuid.uuid4().hex
            os.makedirs(s.upload(b, uid))
            with open(os.path.join(s.upload(b, uid), "key"), "w") as f:
                f.write(key)
            return self.reply(200, xml("InitiateMultipartUploadResult",
                                       f"<Bucket>{esc(b)}</Bucket><Key>{esc(key)}</Key><UploadId>{uid}</UploadId>"),
                              {"Content-Type": "application/xml"})
        if "uploadId" in q:  # CompleteMultipartUpload: parts concatenated in the order listed
            d = s.upload(b, q["uploadId"])
            numbers = [int(n) for n in re.findall(r"<PartNumber>(\d+)</PartNumber>", self.body_text())]
            if not os.path.isdir(d) or not numbers:
                return self.error(400, "InvalidPart")
            tmp = s.tmp(b)
            with open(tmp, "wb") as out:
                for n in numbers:
                    with open(os.path.join(d, f"{n:05d}"), "rb") as part:
                        shutil.copyfileobj(part, out, CHUNK)
            os.replace(tmp, s.obj(b, key))
            shutil.rmtree(d)
            return self.reply(200, xml("CompleteMultipartUploadResult",
                                       f"<Key>{esc(key)}</Key><ETag>&quot;{uuid.uuid4().hex}-{len(numbers)}&quot;</ETag>"),
                              {"Content-Type": "application/xml"})
        self.error(400, "InvalidRequest")

    def do_DELETE(self):
        b, key, q = self.route()
        if "uploadId" in q:
            shutil.rmtree(self.store.upload(b, q["uploadId"]), ignore_errors=True)
        else:
            try:
                os.remove(self.store.obj(b, key))
            except FileNotFoundError:
                pass
        self.reply(204)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        b, key, q = self.route()
        if not b:  # ListBuckets, as a readiness probe
            return self.reply(200, xml("ListAllMyBucketsResult", "<Buckets></Buckets>"), {"Content-Type": "application/xml"})
        if not key:
            return self.list_uploads(b, q) if "uploads" in q else self.list_objects(b, q)
        path = self.store.obj(b, key)
        try:
            f = open(path, "rb")
        except FileNotFoundError:
            return self.error(404, "NoSuchKey")
        with f:
            size = os.fstat(f.fileno()).st_size
            start, end, status = 0, size - 1, 200
            m = re.match(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
            headers = {"Last-Modified": formatdate(os.path.getmtime(path), usegmt=True), "Accept-Ranges": "bytes",
                       "Content-Type": "application/octet-stream"}
            if m and self.command == "GET":
                start, end, status = int(m.group(1)), min(size - 1, int(m.group(2) or size - 1)), 206
                headers["Content-Range"] = f"bytes {start}-{end}/{size}"
            headers["Content-Length"] = str(max(0, end - start + 1))
            self.reply(status, headers=headers)
            if self.command == "GET":
                f.seek(start)
                left = end - start + 1
                while left > 0:
                    data = f.read(min(CHUNK, left))
                    if not data:
                        break
                    self.wfile.write(data)
                    left -= len(data)

    def list_objects(self, b, q):
        d = os.path.join(self.store.bucket(b), "objects")
        if not os.path.isdir(d):
            return self.error(404, "NoSuchBucket")
        prefix, after = q.get("prefix", ""), q.get("continuation-token", "")
        limit = int(q.get("max-keys", "1000"))
        keys = sorted(k for k in (urllib.parse.unquote(n) for n in os.listdir(d)) if k.startswith(prefix) and k > after)
        page, more = keys[:limit], len(keys) > limit
        items = []
        for k in page:
            st = os.stat(self.store.obj(b, k))
            when = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(st.st_mtime))
            items.append(f"<Contents><Key>{esc(k)}</Key><Size>{st.st_size}</Size><LastModified>{when}</LastModified>"
                         "</Contents>")
        nxt = f"<NextContinuationToken>{esc(page[-1])}</NextContinuationToken>" if more else ""
        self.reply(200, xml("ListBucketResult", f"<Name>{esc(b)}</Name><KeyCount>{len(page)}</KeyCount>"
                                                f"<IsTruncated>{'true' if more else 'false'}</IsTruncated>{nxt}"
                                                + "".join(items)), {"Content-Type": "application/xml"})

    def list_uploads(self, b, q):
        d = os.path.join(self.store.bucket(b), "uploads")
        items = []
        for uid in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            with open(os.path.join(d, uid, "key")) as f:
                key = f.read()
            if key.startswith(q.get("prefix", "")):
                items.append(f"<Upload><Key>{esc(key)}</Key><UploadId>{uid}</UploadId></Upload>")
        self.reply(200, xml("ListMultipartUploadsResult", "".join(items)), {"Content-Type": "application/xml"})


def copy_range(src, dst, start, end):
    md5 = hashlib.md5()
    with open(src, "rb") as f, open(dst, "wb") as out:
        f.seek(start)
        left = end - start + 1
        while left > 0:
            data = f.read(min(CHUNK, left))
            if not data:
                raise IOError("source shorter than the range")
            md5.update(data)
            out.write(data)
            left -= len(data)
    return md5.hexdigest()


def main():
    port, root = int(sys.argv[1]), sys.argv[2]
    os.makedirs(root, exist_ok=True)
    Handler.store = Store(root)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
