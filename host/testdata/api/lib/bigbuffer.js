module.exports = Buffer.alloc(256 * 1024 * 1024);
