// re-find sets by key 0x100001..0x100000+N as fast as possible, hold them, use them 1.5 s later;
// print how many were removed while held (EINVAL/EIDRM on semop).
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <errno.h>
#include <sys/sem.h>
int main(int c,char**v){ int n=atoi(v[1]); int *h=malloc(n*sizeof(int)); int k=0;
 for(int i=1;i<=n;i++){ int s=semget(0x100000+i,0,0); if(s>=0) h[k++]=s; }
 usleep(1500000); int lost=0;
 for(int i=0;i<k;i++){ struct sembuf b={0,1,0}; if(semop(h[i],&b,1)<0 && (errno==EINVAL||errno==EIDRM)) lost++; }
 printf("holder opened %d sets; removed while held: %d\n",k,lost); return 0; }
