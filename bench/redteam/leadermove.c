// A set holder whose main thread moves to a new IPC namespace while a worker thread stays behind and
// keeps using the set. /proc/PID/ns/ipc (the leader's) no longer names the set's namespace.
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/sem.h>
static int sid;
static void *worker(void *a){ sleep(3); struct sembuf b={0,1,0}; if(semop(sid,&b,1)<0) perror("worker semop FAILED"); else printf("worker semop ok\n"); fflush(stdout); exit(0);}
int main(int c,char**v){ sid=semget(IPC_PRIVATE,1,IPC_CREAT|0600); if(sid<0){perror("semget");return 1;}
 pthread_t t; pthread_create(&t,0,worker,0);
 if(unshare(CLONE_NEWIPC)<0) perror("unshare");
 printf("leader %d moved, sid %d\n",getpid(),sid); fflush(stdout); pause(); }
