-- 微心愿: photos of a wish fulfilled, the claimer's proof beside the written note. The bytes
-- are in the blob store, named by their SHA-256.
CREATE TABLE wish_photos (
    id        INTEGER PRIMARY KEY,
    wish_id   BIGINT NOT NULL REFERENCES wishes(id),
    sha256    TEXT NOT NULL,
    size      BIGINT NOT NULL,
    mime      TEXT NOT NULL,
    name      TEXT NOT NULL,
    added_by  BIGINT NOT NULL REFERENCES accounts(id),
    added_ms  BIGINT NOT NULL
);
CREATE INDEX wish_photos_wish ON wish_photos(wish_id);
