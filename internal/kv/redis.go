// redis.go: the store on a Redis server (store = "redis://HOST:PORT/DB"):
// shared by every scriptsrv instance that names it.

package kv

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is the store on a Redis server. incr and add are atomic across
// instances (a server-side script and SET NX).
type Redis struct {
	c        *redis.Client
	maxValue int64
	hits     atomic.Int64
	misses   atomic.Int64
}

// incrScript creates an absent key at init (with its ttl) and adds delta,
// in one step; INCRBYFLOAT keeps a present key's ttl.
var incrScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then
  if tonumber(ARGV[3]) > 0 then
    redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  else
    redis.call('SET', KEYS[1], ARGV[2])
  end
end
return redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])`)

// OpenRedis connects to url ("redis://[:PASSWORD@]HOST:PORT/DB"),
// refusing values over maxValue bytes (0: no limit).
func OpenRedis(ctx context.Context, url string, maxValue int64) (*Redis, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("kv: %s: %w", redactRedis(url), err)
	}
	opt.PoolSize = 32
	c := redis.NewClient(opt)
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		return nil, fmt.Errorf("kv: connecting to %s: %w", redactRedis(url), err)
	}
	return &Redis{c: c, maxValue: maxValue}, nil
}

// redactRedis hides a password in a Redis URL.
func redactRedis(url string) string {
	if at := strings.LastIndexByte(url, '@'); at > 0 {
		if i := strings.Index(url, "://"); i >= 0 && i+3 < at {
			return url[:i+3] + "xxxxx" + url[at:]
		}
	}
	return url
}

// SetMaxValue changes the largest value (a reload).
func (s *Redis) SetMaxValue(n int64) { atomic.StoreInt64(&s.maxValue, n) }

func px(ttl time.Duration) time.Duration {
	if ttl <= 0 {
		return 0 // no expiry (KeepTTL is -1)
	}
	return max(ttl, time.Millisecond)
}

func (s *Redis) Get(ctx context.Context, key string) ([]byte, bool, error) {
	v, err := s.c.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		s.misses.Add(1)
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	s.hits.Add(1)
	return v, true, nil
}

func (s *Redis) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := checkValue(value, atomic.LoadInt64(&s.maxValue)); err != nil {
		return err
	}
	return s.c.Set(ctx, key, value, px(ttl)).Err()
}

func (s *Redis) Add(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if err := checkValue(value, atomic.LoadInt64(&s.maxValue)); err != nil {
		return false, err
	}
	return s.setArgs(ctx, key, value, ttl, "NX")
}

func (s *Redis) Replace(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if err := checkValue(value, atomic.LoadInt64(&s.maxValue)); err != nil {
		return false, err
	}
	return s.setArgs(ctx, key, value, ttl, "XX")
}

// setArgs is SET with NX or XX: true when it stored.
func (s *Redis) setArgs(ctx context.Context, key string, value []byte, ttl time.Duration, mode string) (bool, error) {
	_, err := s.c.SetArgs(ctx, key, value, redis.SetArgs{Mode: mode, TTL: px(ttl)}).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	return err == nil, err
}

func (s *Redis) Incr(ctx context.Context, key string, delta, init float64, ttl time.Duration) (float64, error) {
	ms := int64(0)
	if ttl > 0 {
		ms = max(ttl.Milliseconds(), 1)
	}
	out, err := incrScript.Run(ctx, s.c, []string{key}, string(FormatNumber(delta)), string(FormatNumber(init)), ms).Text()
	if err != nil {
		if strings.Contains(err.Error(), "not a valid float") {
			return 0, ErrNotNumber
		}
		return 0, err
	}
	return ParseNumber([]byte(out))
}

func (s *Redis) Delete(ctx context.Context, key string) (bool, error) {
	n, err := s.c.Del(ctx, key).Result()
	return n == 1, err
}

func (s *Redis) TTL(ctx context.Context, key string) (time.Duration, bool, error) {
	d, err := s.c.PTTL(ctx, key).Result()
	if err != nil || d < 0 { // -1: no expiry; -2: absent
		return 0, false, err
	}
	return d, true, nil
}

func (s *Redis) Expire(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		if n, err := s.c.Exists(ctx, key).Result(); err != nil || n == 0 {
			return false, err
		}
		return true, s.c.Persist(ctx, key).Err()
	}
	return s.c.PExpire(ctx, key, px(ttl)).Result()
}

// Keys scans the keys with prefix (SCAN, not KEYS: the server is not
// blocked), sorts them and keeps limit.
func (s *Redis) Keys(ctx context.Context, prefix string, limit int) ([]string, error) {
	var keys []string
	iter := s.c.Scan(ctx, 0, globEscape(prefix)+"*", 1000).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return nil, err
	}
	sort.Strings(keys)
	if limit >= 0 && len(keys) > limit {
		keys = keys[:limit]
	}
	return keys, nil
}

// globEscape escapes the glob characters of a key prefix for MATCH.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (s *Redis) Stats() Stats {
	st := Stats{Hits: s.hits.Load(), Misses: s.misses.Load()}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	st.Entries, _ = s.c.DBSize(ctx).Result()
	if info, err := s.c.Info(ctx, "memory", "stats").Result(); err == nil {
		for _, line := range strings.Split(info, "\r\n") {
			k, v, _ := strings.Cut(line, ":")
			n, _ := strconv.ParseInt(v, 10, 64)
			switch k {
			case "used_memory":
				st.Bytes = n
			case "maxmemory":
				st.Capacity = n
			case "evicted_keys":
				st.Evictions = n
			case "expired_keys":
				st.Expired = n
			}
		}
	}
	return st
}

func (s *Redis) Close() error { return s.c.Close() }
