import sys,re
samples=[];cur=None
for line in open(sys.argv[1]):
    if line.startswith('# t='):
        cur={};samples.append(cur);continue
    m=re.match(r'odgm_events_dispatch_latency_seconds_bucket\{collection="[^"]+",le="([^"]+)"\} (\S+)',line)
    if m: cur[m.group(1)]=float(m.group(2))
# split into runs where +Inf count decreases
runs=[];prev=None
for s in samples:
    if '+Inf' not in s: continue
    if prev is not None and s['+Inf']<prev['+Inf']: runs.append(prev)
    prev=s
if prev: runs.append(prev)
for i,r in enumerate(runs):
    tot=r['+Inf']
    les=sorted((float(k) if k!='+Inf' else 1e9,v) for k,v in r.items())
    out=[]
    for q in (0.5,0.9,0.99):
        for le,v in les:
            if v>=q*tot: out.append("p%g<=%sms"%(q*100, le*1000 if le<1e9 else 'inf')); break
    print("node %d: %d PUTs timed; "%(i+1,tot)+", ".join(out)+"; buckets: "+", ".join("%gms:%d"%(le*1000,v) for le,v in les if le<1e9))
