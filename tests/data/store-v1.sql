-- A database that liaotian-server wrote at schema version 1: the server
-- of commit a342898, the last before version 2, built in a git worktree
-- and run with --data-dir; over its protocol alice and bob registered,
-- became friends, met in #tea and sent five messages, alice
-- acknowledging up to 2.  Then sqlite3 liaotian.db .dump, which leaves
-- user_version out: hence the last line.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE users (  username TEXT PRIMARY KEY NOT NULL,  nickname TEXT NOT NULL UNIQUE,  email TEXT NOT NULL UNIQUE,  phone TEXT,  password_hash TEXT NOT NULL,  created INTEGER NOT NULL);
INSERT INTO users VALUES('alice','Alice','alice@example.org',NULL,'$argon2id$v=19$m=19456,t=2,p=1$Jb4f0mxABB8t38YLpKfuiA$FCdUFe9vXRtfCSJlYhdgZPlj+MExO4571+gr7/tGivs',1795340819161);
INSERT INTO users VALUES('bob','Bob','bob@example.org','+15550100','$argon2id$v=19$m=19456,t=2,p=1$0egt92OiQB5DAeR52gy2Dg$QZEE+NRB+E420gelKld77D34zyajqEGh8IutpSyxqAQ',1795340819270);
CREATE TABLE friendships (  username TEXT NOT NULL REFERENCES users (username),  friend TEXT NOT NULL REFERENCES users (username),  PRIMARY KEY (username, friend)) WITHOUT ROWID;
INSERT INTO friendships VALUES('alice','bob');
INSERT INTO friendships VALUES('bob','alice');
CREATE TABLE rooms (  name TEXT PRIMARY KEY NOT NULL,  topic TEXT NOT NULL DEFAULT '',  created INTEGER NOT NULL,  creator TEXT REFERENCES users (username));
INSERT INTO rooms VALUES('#lobby','',1795340819044,NULL);
INSERT INTO rooms VALUES('#tea','Oolong',1795340819303,'alice');
CREATE TABLE room_members (  room TEXT NOT NULL REFERENCES rooms (name),  username TEXT NOT NULL REFERENCES users (username),  PRIMARY KEY (room, username)) WITHOUT ROWID;
INSERT INTO room_members VALUES('#lobby','alice');
INSERT INTO room_members VALUES('#tea','alice');
INSERT INTO room_members VALUES('#lobby','bob');
INSERT INTO room_members VALUES('#tea','bob');
CREATE TABLE messages (  id INTEGER PRIMARY KEY AUTOINCREMENT,  ts INTEGER NOT NULL,  sender TEXT NOT NULL REFERENCES users (username),  recipient TEXT NOT NULL,  conversation TEXT NOT NULL,  text TEXT NOT NULL);
INSERT INTO messages VALUES(1,1795340819311,'alice','bob',replace('alice\nbob','\n',char(10)),'hello bob');
INSERT INTO messages VALUES(2,1795340819315,'bob','alice',replace('alice\nbob','\n',char(10)),'hello alice');
INSERT INTO messages VALUES(3,1795340819319,'alice','#tea','#tea','tea time');
INSERT INTO messages VALUES(4,1795340819323,'alice','#lobby','#lobby','hi all');
INSERT INTO messages VALUES(5,1795340819331,'alice','bob',replace('alice\nbob','\n',char(10)),'unread by bob');
CREATE TABLE delivery_cursors (  username TEXT PRIMARY KEY NOT NULL REFERENCES users (username),  last_acked INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO delivery_cursors VALUES('alice',2);
CREATE TABLE reset_tokens (  username TEXT PRIMARY KEY NOT NULL REFERENCES users (username),  token_hash TEXT NOT NULL,  expires INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE idempotency_keys (  username TEXT NOT NULL REFERENCES users (username),  client_id TEXT NOT NULL,  message_id INTEGER NOT NULL REFERENCES messages (id),  PRIMARY KEY (username, client_id)) WITHOUT ROWID;
DELETE FROM sqlite_sequence;
INSERT INTO sqlite_sequence VALUES('messages',5);
CREATE INDEX room_members_by_user ON room_members (username, room);
CREATE INDEX messages_by_conversation ON messages (conversation, id);
CREATE INDEX messages_pending ON messages (recipient, id)  WHERE substr (recipient, 1, 1) <> '#';
CREATE TRIGGER users_join_lobby AFTER INSERT ON users BEGIN  INSERT INTO room_members (room, username) VALUES ('#lobby', NEW.username);END;
CREATE TRIGGER rooms_join_creator AFTER INSERT ON rooms WHEN NEW.creator IS NOT NULL BEGIN  INSERT INTO room_members (room, username) VALUES (NEW.name, NEW.creator);END;
COMMIT;
PRAGMA user_version = 1;
